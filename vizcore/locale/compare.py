"""Strings of the Compare page."""

STRINGS = {
    "nav.compare_page": {"en": "Compare reducers", "zh": "比较各方法"},
    "cmp.title": {"en": "Token reducers side by side at one token budget",
                  "zh": "同一 token 预算下并排比较各 token 精简方法"},
    "cmp.how": {"en": "How the budget is matched", "zh": "预算如何匹配"},
    "cmp.explain": {
        "en": "All methods start from the same backbone and image. The budget is DynamicViT's: keep ρ, ρ², ρ³ of the "
              "patch tokens at its pruning blocks. Methods whose setting is a keep ratio take ρ at those blocks; the "
              "others take the setting whose total tokens over all layers come closest. Dropped patches fade to "
              "white, fused patches turn red, merged groups are painted in their mean colour and outlined.",
        "zh": "所有方法使用同一个主干网络和同一张图像。预算沿用 DynamicViT 的：在其剪枝 block 处保留 ρ、ρ²、ρ³ 的图块 token。"
              "以保留比例为设置的方法在这些 block 处取 ρ；其他方法取各层 token 总数最接近的设置。被丢弃的图块褪为白色，"
              "融合的图块呈红色，合并的组以其平均颜色填充并描边。"},
    "cmp.backbone": {"en": "Backbone", "zh": "主干网络"},
    "cmp.rho": {"en": "Keep ratio ρ (pruners)", "zh": "保留比例 ρ（剪枝方法）"},
    "cmp.budget": {"en": "Pruning at blocks {locs}; token total target {target}; matched: {matched}.",
                   "zh": "在第 {locs} 个 block 处剪枝；token 总数目标 {target}；匹配的设置：{matched}。"},
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
