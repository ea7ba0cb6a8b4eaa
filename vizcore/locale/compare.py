"""Strings of the Compare page."""

STRINGS = {
    "nav.compare_page": {"en": "Compare reducers", "zh": "比较各方法"},
    "cmp.title": {"en": "Token reducers side by side at one matched budget",
                  "zh": "在同一匹配预算下并排比较各 token 精简方法"},
    "cmp.how": {"en": "How the budget is matched", "zh": "预算如何匹配"},
    "cmp.explain": {
        "en": "All methods start from the same backbone and image. The budget is DynamicViT's: keep ρ, ρ², ρ³ of the "
              "patch tokens at its pruning blocks. You choose what is held equal: the mean number of patch tokens "
              "entering a layer (the CLS token not counted) or the GMACs of one image. Each method's own setting "
              "(a keep ratio, ToMe's r) is then found by bisection so that it spends what the budget spends, within "
              "2 % where its steps allow; the table shows what each achieved. Dropped patches fade to white, fused "
              "patches turn red, merged groups are painted in their mean colour and outlined.",
        "zh": "所有方法使用同一个主干网络和同一张图像。预算沿用 DynamicViT 的：在其剪枝 block 处保留 ρ、ρ²、ρ³ 的图块 token。"
              "由你选择保持相等的量：每层输入的平均图块 token 数（不计 CLS token），或单张图像的 GMACs。然后用二分法为每个方法"
              "找到自己的设置（保留比例、ToMe 的 r），使其花费与预算相同——在步长允许时误差不超过 2 %；表格列出每个方法实际达到的数值。"
              "被丢弃的图块褪为白色，融合的图块呈红色，合并的组以其平均颜色填充并描边。"},
    "cmp.backbone": {"en": "Backbone", "zh": "主干网络"},
    "cmp.rho": {"en": "Keep ratio ρ (pruners)", "zh": "保留比例 ρ（剪枝方法）"},
    "cmp.measure": {"en": "Hold equal", "zh": "保持相等的量"},
    "cmp.measure.tokens": {"en": "mean patch tokens per layer", "zh": "每层平均图块 token 数"},
    "cmp.measure.gmacs": {"en": "GMACs", "zh": "GMACs"},
    "cmp.budget": {"en": "Budget: ⌊{n0}·ρᵏ⌋ patch tokens from blocks {locs} on (ρ = {rho:.2f}), which spends {target} "
                         "({measure}). Every method's setting is matched to it within 2 %; the table shows what each "
                         "achieved on this image. Token counts are patch tokens; the CLS token is not counted.",
                   "zh": "预算：从第 {locs} 个 block 起保留 ⌊{n0}·ρᵏ⌋ 个图块 token（ρ = {rho:.2f}），花费 {target}（{measure}）。"
                         "每个方法的设置都与之匹配，误差不超过 2 %；表格列出每个方法在这张图像上实际达到的数值。"
                         "token 数均指图块 token，不计 CLS token。"},
    "cmp.off_target": {"en": "Not matched within 2 % — the closest their settings allow: {items}.",
                       "zh": "未能在 2 % 以内匹配——已是其设置所能达到的最接近值：{items}。"},
    "cmp.adaptive": {"en": "Given the same budget, an adaptive sampler keeps only the tokens this image needs; its "
                           "budget is matched, and it spent less: {items}.",
                     "zh": "在同一预算下，自适应采样方法只保留这张图像需要的 token；其预算已匹配，实际花费更少：{items}。"},
    "cmp.plain": {"en": "backbone, no reduction", "zh": "主干网络，不精简"},
    "cmp.axis.patch_tokens": {"en": "patch tokens (CLS not counted)", "zh": "图块 token（不计 CLS）"},
    "cmp.col.method": {"en": "Method", "zh": "方法"},
    "cmp.col.setting": {"en": "Setting (matched)", "zh": "设置（已匹配）"},
    "cmp.col.mean_patch_tokens": {"en": "Mean patch tokens per layer", "zh": "每层平均图块 token 数"},
    "cmp.col.gmacs": {"en": "GMACs", "zh": "GMACs"},
    "cmp.col.off_target_pct": {"en": "Off the budget's {measure} (%)", "zh": "与预算{measure}之差（%）"},
    "cmp.col.final_patch_tokens": {"en": "Patch tokens in the last layer", "zh": "最后一层的图块 token 数"},
    "cmp.col.prediction": {"en": "Predicted class", "zh": "预测类别"},
    "cmp.col.probability": {"en": "Probability of the predicted class", "zh": "预测类别的概率"},
    "cmp.col.keep_precision": {"en": "Keep precision", "zh": "保留精度"},
    "cmp.col.object_share": {"en": "Object share", "zh": "物体占比"},
    "cmp.legend": {"en": "White: dropped. Red: folded into EViT's fused token (deeper red = more weight). Flat colour "
                         "with an outline: one ToMe token holding a merged group. Counts: patch tokens left.",
                   "zh": "白色：被丢弃。红色：并入 EViT 的融合 token（越红权重越大）。纯色并描边：一个 ToMe token 所合并的一组图块。"
                         "数字：剩余的图块 token 数。"},
    "cmp.fates": {"en": "Token fate side by side", "zh": "token 去留并排对比"},
    "cmp.cost": {"en": "Tokens and GMACs per layer", "zh": "每层的 token 数与 GMACs"},
    "cmp.table": {"en": "Summary", "zh": "汇总"},
    "cmp.missing": {"en": "No {names} model shares this backbone's configuration; left out.",
                    "zh": "没有与该主干配置相同的 {names} 模型，因此未列入。"},
    "cmp.precision": {"en": "On this synthetic scene the object covers {share:.0%} of the patches; keep precision is "
                            "the share of the last stage's surviving patches that touch the object.",
                      "zh": "在这张合成场景中，物体覆盖 {share:.0%} 的图块；保留精度是最后一阶段存活图块中接触到物体的比例。"},
    "cmp.precision_na": {"en": "Keep precision needs an object mask: choose a synthetic scene in the sidebar.",
                         "zh": "保留精度需要物体掩码：请在侧边栏选择一张合成场景。"},
}
