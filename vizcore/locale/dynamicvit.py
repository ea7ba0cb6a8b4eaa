"""Strings of the DynamicViT page."""

STRINGS = {
    "nav.dynamicvit": {"en": "DynamicViT", "zh": "DynamicViT"},
    "dyn.title": {"en": "DynamicViT: which tokens survive each stage?", "zh": "DynamicViT：每一阶段哪些 token 被保留？"},
    "dyn.how": {"en": "How DynamicViT prunes", "zh": "DynamicViT 如何剪枝"},
    "dyn.explain": {
        "en": "The final prediction of a ViT rests on a subset of informative tokens. DynamicViT adds a light "
              "prediction module (PredictorLG) before blocks 3, 6 and 9: it mixes each token's *local* features "
              "with a *global* average over the tokens still alive and outputs π = softmax(MLP(z)), a keep/drop "
              "probability per token. **Inference** keeps the top-k scores — k = ⌊N₀·ρᵏ⌋ counted against the "
              "initial N₀ tokens — and physically removes the rest with a batched gather, so later blocks really "
              "run on fewer tokens. **Training** cannot take a non-differentiable top-k: it draws a hard "
              "Gumbel-softmax sample D (straight-through gradients), keeps every token in the sequence and masks "
              "attention so that a dropped token only attends to itself.",
        "zh": "ViT 的最终预测只依赖一部分信息量大的 token。DynamicViT 在第 3、6、9 个 block 之前加入轻量的预测模块"
              "（PredictorLG）：它把每个 token 的*局部*特征与仍存活 token 的*全局*平均拼接，输出 π = softmax(MLP(z))，"
              "即每个 token 的保留/丢弃概率。**推理**时保留得分前 k 的 token——k = ⌊N₀·ρᵏ⌋，按初始 N₀ 个 token 计算——"
              "并用批量 gather 真正删除其余 token，后续 block 确实在更少的 token 上运行。**训练**时无法使用不可导的 "
              "top-k：它采样硬 Gumbel-softmax 决策 D（直通梯度），所有 token 仍留在序列中，并通过注意力掩码让被丢弃的 "
              "token 只关注自己。"},
    "dyn.model": {"en": "Model", "zh": "模型"},
    "dyn.rho": {"en": "Keep ratio ρ", "zh": "保留比例 ρ"},
    "dyn.counts": {"en": "Patch tokens kept: {n0} → {counts} (⌊{n0}·ρᵏ⌋ at blocks {locs}). All counts on this page "
                         "are patch tokens; the CLS token is not counted.",
                   "zh": "保留的图块 token：{n0} → {counts}（在第 {locs} 个 block 处为 ⌊{n0}·ρᵏ⌋）。本页所有计数均为图块 token，"
                         "不计 CLS token。"},
    "dyn.counts_training": {
        "en": "Patch tokens kept in this Gumbel draw: {n0} → {kept}; expected over draws: {n0} → {expected} (sum of "
              "the predictor's survival probabilities). ⌊{n0}·ρᵏ⌋ = {counts} at blocks {locs} is the ratio training "
              "pushes toward. The CLS token is not counted.",
        "zh": "本次 Gumbel 采样保留的图块 token：{n0} → {kept}；多次采样的期望：{n0} → {expected}（预测器存活概率之和）。"
              "第 {locs} 个 block 处的 ⌊{n0}·ρᵏ⌋ = {counts} 是训练所趋近的比例。不计 CLS token。"},
    "dyn.axis.patch_tokens": {"en": "patch tokens (CLS not counted)", "zh": "图块 token（不计 CLS）"},
    "dyn.semantics": {"en": "Semantics", "zh": "语义"},
    "dyn.sem.inference": {"en": "inference (top-k, tokens removed)", "zh": "推理（top-k，删除 token）"},
    "dyn.sem.training": {"en": "training (Gumbel-softmax, attention masked)", "zh": "训练（Gumbel-softmax，掩码注意力）"},
    "dyn.tau": {"en": "Gumbel temperature τ", "zh": "Gumbel 温度 τ"},
    "dyn.resample": {"en": "Resample", "zh": "重新采样"},
    "dyn.sample_no": {"en": "Gumbel draw #{n}", "zh": "第 {n} 次 Gumbel 采样"},
    "dyn.fate": {"en": "Token fate across stages", "zh": "各阶段的 token 去留"},
    "dyn.fate_caption": {"en": "Dropped patches fade to white; every panel maps tokens back to their original "
                                "grid positions through all earlier stages.",
                         "zh": "被丢弃的图块褪为白色；每个面板都经由之前所有阶段把 token 映射回原始网格位置。"},
    "dyn.prediction": {"en": "Prediction: class {cls} ({p:.1%}).", "zh": "预测：类别 {cls}（{p:.1%}）。"},
    "dyn.scores": {"en": "Predictor's keep probability per stage", "zh": "每一阶段预测器给出的保留概率"},
    "dyn.freq": {"en": "Keep frequency over {n} Gumbel draws vs the predictor's probability",
                 "zh": "{n} 次 Gumbel 采样中的保留频率 vs 预测器给出的概率"},
    "dyn.freq_explain": {"en": "Top: the share of draws in which each patch is still alive after the stage. "
                                "Bottom: the product of the predictor's keep probabilities along the patch's lineage "
                                "in the draw shown above. With τ → 0 the samples follow π exactly; larger τ adds noise.",
                         "zh": "上：每个图块在该阶段之后仍存活的采样比例。下：沿该图块谱系，预测器保留概率的乘积（取自上方所示的那次采样）。"
                               "τ → 0 时采样精确服从 π；τ 越大噪声越多。"},
    "dyn.samples": {"en": "Draws", "zh": "采样次数"},
    "dyn.gumbel": {"en": "Gumbel-softmax explainer", "zh": "Gumbel-softmax 讲解"},
    "dyn.gumbel_explain": {
        "en": "Add Gumbel noise g = −log(−log u) to the log-probabilities and take softmax((log π + g)/τ): a *soft* "
              "sample on the simplex. Its argmax, one-hot, is a *hard* sample distributed exactly as π. DynamicViT "
              "uses the hard sample forward and the soft sample's gradient backward (straight-through). The dots "
              "are draws for the first tokens of stage 1 with the same noise for soft and hard.",
        "zh": "给对数概率加上 Gumbel 噪声 g = −log(−log u)，再取 softmax((log π + g)/τ)，得到单纯形上的*软*样本；"
              "其 argmax 的独热向量是*硬*样本，分布恰好为 π。DynamicViT 前向用硬样本、反向用软样本的梯度（直通估计）。"
              "图中的点是第 1 阶段前几个 token 的采样，软硬样本使用相同的噪声。"},
    "dyn.cost": {"en": "Tokens and GMACs per layer", "zh": "每层的 token 数与 GMACs"},
    "dyn.cost_caption": {"en": "{name}: {g:.3f} GMACs at ρ = {rho:.2f} vs {g0:.3f} without pruning ({pct:.0%}).",
                         "zh": "{name}：ρ = {rho:.2f} 时 {g:.3f} GMACs，不剪枝为 {g0:.3f}（{pct:.0%}）。"},
    "dyn.training_note": {"en": "Training view: all {n} patch tokens stay in the sequence; the masked ones take part "
                                 "in no other token's attention.",
                          "zh": "训练视图：全部 {n} 个图块 token 留在序列中；被掩码的 token 不参与其他 token 的注意力。"},
}
