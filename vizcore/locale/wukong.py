"""Strings of the WuKong TokenReduction page (``wk.*``) and its navigation title."""

STRINGS = {
    "nav.wukong": {"en": "WuKong token reduction", "zh": "WuKong Token 压缩"},
    "wk.title": {"en": "WuKong TokenReduction: a few learned maps pool the patch grid",
                 "zh": "WuKong TokenReduction：几张学到的空间图汇聚整个图块网格"},
    "wk.idea": {"en": "A vision transformer hands over far more image tokens than a sentence has words, and many of "
                      "them add little. WuKong's **TokenReduction** learns **T spatial maps** over the patch grid — "
                      "each a softmax over all H·W positions — and makes one output token per map as the weighted "
                      "sum of the patch features. N patch tokens become T tokens, so FILIP-style token-wise late "
                      "interaction compares **T×M** instead of **N×M** image–text token pairs.",
                "zh": "视觉 Transformer 产生的图像 token 远多于一句话的词数，其中许多贡献很小。WuKong 的 "
                      "**TokenReduction** 在图块网格上学习 **T 张空间图**——每张都是对全部 H·W 个位置的 softmax——"
                      "并为每张图输出一个 token：图块特征按该图加权求和。N 个图块 token 变成 T 个，于是 FILIP 式的"
                      "逐 token 后期交互只需比较 **T×M** 而不是 **N×M** 对图文 token。"},
    "wk.more": {"en": "How the module works (from the WuKong code)", "zh": "模块如何工作（据 WuKong 源码）"},
    "wk.explain": {"en": "1. **Norm** — LayerNorm over the C channels of every grid position.\n"
                         "2. **Maps** — a grouped 1×1 convolution C→C (8 groups, no bias), then a 1×1 convolution "
                         "C→T: T numbers per position.\n"
                         "3. **Softmax over H·W** — for each of the T channels, over all positions: T maps that each "
                         "sum to 1 (where does output token t look?).\n"
                         "4. **Features** — a grouped 1×1 convolution of the *un-normalised* input.\n"
                         "5. **Weighted sum** — `einsum('...si,...id->...sd', maps, features)`: output token t is "
                         "Σ_p map_t(p)·feature(p), shape (B, T, C).\n\n"
                         "In WuKong the module sits after the image encoder's final norm and projection, on the "
                         "patch grid (7×7 for ViT-B/32 with T = 12; 16×16 for ViT-L/14 with T = 24). Nothing forces "
                         "the maps to differ: with random weights they are nearly uniform or nearly identical; a "
                         "trained module spreads them over objects and background. Here a linear probe on the mean "
                         "of the T tokens gives class scores (WuKong itself matches images with texts).",
                   "zh": "1. **归一化**——对每个网格位置的 C 个通道做 LayerNorm。\n"
                         "2. **生成图**——分组 1×1 卷积 C→C（8 组，无偏置），再接 1×1 卷积 C→T：每个位置得到 T 个数。\n"
                         "3. **在 H·W 上做 softmax**——对 T 个通道中的每一个，在所有位置上归一化：得到 T 张图，"
                         "每张之和为 1（输出 token t 看向哪里？）。\n"
                         "4. **特征**——对*未归一化*的输入做分组 1×1 卷积。\n"
                         "5. **加权求和**——`einsum('...si,...id->...sd', maps, features)`：输出 token t 等于 "
                         "Σ_p map_t(p)·feature(p)，形状 (B, T, C)。\n\n"
                         "在 WuKong 中，该模块位于图像编码器最后的归一化与投影之后，作用在图块网格上（ViT-B/32 为 7×7、"
                         "T = 12；ViT-L/14 为 16×16、T = 24）。没有任何约束迫使各张图不同：随机权重下它们几乎均匀或几乎"
                         "相同；训练后的模块会把它们分散到物体和背景上。这里用 T 个 token 的均值接一个线性探针给出类别"
                         "分数（WuKong 本身用于图文匹配）。"},
    "wk.model": {"en": "Model", "zh": "模型"},
    "wk.cmap": {"en": "Colour map", "zh": "配色"},
    "wk.pipeline": {"en": "Real shapes on this image: pixels {image} → ViT blocks {blocks} → final norm, projection, "
                          "CLS dropped → grid {grid} → maps {maps} → reduced tokens {reduced}: {N} patch tokens "
                          "become {T}.",
                    "zh": "此图像上的真实形状：像素 {image} → ViT 块 {blocks} → 最终归一化、投影、去掉 CLS → 网格 "
                          "{grid} → 空间图 {maps} → 压缩后的 token {reduced}：{N} 个图块 token 变为 {T} 个。"},
    "wk.view": {"en": "View", "zh": "视图"},
    "wk.view.grid": {"en": "All maps", "zh": "全部空间图"},
    "wk.view.single": {"en": "One map", "zh": "单张图"},
    "wk.view.assign": {"en": "Patch → token", "zh": "图块 → token"},
    "wk.view.differ": {"en": "How the maps differ", "zh": "各图之间的差异"},
    "wk.view.stats": {"en": "Entropy & coverage", "zh": "熵与覆盖率"},
    "wk.differ_tile": {"en": "T{t} @ ({r},{c})", "zh": "T{t} @ ({r},{c})"},
    "wk.differ_caption": {
        "en": "Each map against the mean of all maps, on one colour range (red: it takes more from that patch than "
              "the maps do on average, blue: less; ±{bound:.1%} at the ends). Faded: patches where another map is "
              "larger, so the bright part of a tile is that map's argmax region. Outlined, and after @: the map's "
              "peak (row, column).",
        "zh": "每张图与所有图的平均图之差，使用同一颜色范围（红：该图从这个图块取得的权重多于平均，蓝：少于平均；两端为 ±{bound:.1%}）。"
              "褪色：另一张图在此更大的图块，因此每块中明亮的部分就是该图的 argmax 区域。描边的格子及 @ 之后：该图的峰值（行，列）。"},
    "wk.bar.differ": {"en": "difference from the mean map (relative)", "zh": "与平均图之差（相对值）"},
    "wk.differ_explain": {
        "en": "The {T} maps peak on **{peaks}** different patch(es). Cosine similarity of two maps lies between "
              "**{lo:.3f}** and **{hi:.3f}** (1 = the same map): values this close to 1 mean the maps are almost "
              "alike. The matrix below compares their *patterns* instead — each map minus its own mean — so it "
              "shows whether two maps take their extra weight from the same patches (1) or from different ones "
              "(0 or below), even when the maps are nearly uniform; off the diagonal it lies between {clo:.2f} "
              "and {chi:.2f}.",
        "zh": "{T} 张图的峰值落在 **{peaks}** 个不同的图块上。任意两张图的余弦相似度介于 **{lo:.3f}** 与 **{hi:.3f}** 之间"
              "（1 = 完全相同）：如此接近 1 说明这些图几乎一样。下面的矩阵改为比较它们的*模式*——每张图减去自身均值——"
              "因此即使各图几乎均匀，也能看出两张图是否从相同的图块（1）或不同的图块（0 或以下）获取额外权重；"
              "非对角元素介于 {clo:.2f} 与 {chi:.2f} 之间。"},
    "wk.sim_x": {"en": "map", "zh": "空间图"},
    "wk.sim_y": {"en": "map", "zh": "空间图"},
    "wk.sim_value": {"en": "correlation", "zh": "相关系数"},
    "wk.sim_title": {"en": "Map-to-map similarity of the patterns (correlation)",
                     "zh": "各图模式之间的相似度（相关系数）"},
    "wk.view.steps": {"en": "Steps & shapes", "zh": "步骤与形状"},
    "wk.view.cost": {"en": "Late-interaction cost", "zh": "后期交互开销"},
    "wk.scale": {"en": "Colour scale", "zh": "颜色标尺"},
    "wk.scale.map": {"en": "per map", "zh": "每张图"},
    "wk.scale.shared": {"en": "shared by all maps", "zh": "所有图共用"},
    "wk.grid_caption": {"en": "The {T} learned maps over the {h}×{w} patch grid, one per output token (T0…), with each "
                              "map's largest weight.",
                        "zh": "{h}×{w} 图块网格上学到的 {T} 张空间图，每个输出 token（T0…）一张，并标出每张图的最大权重。"},
    "wk.grid_explain": {"en": "Each map is a probability distribution over the patches: bright cells are the patches "
                              "whose features the token mostly copies. Per-map scaling shows each map's shape; the "
                              "shared scale shows which maps are concentrated (a few bright cells) and which are spread "
                              "(uniformly dim).",
                        "zh": "每张图都是图块上的概率分布：亮的格子是该 token 主要复制其特征的图块。按图缩放可看清每张图"
                              "的形状；共用标尺可看出哪些图集中（少数亮格）、哪些分散（整体偏暗）。"},
    "wk.token": {"en": "Output token t", "zh": "输出 token t"},
    "wk.alpha": {"en": "Overlay opacity", "zh": "叠加不透明度"},
    "wk.single_caption": {"en": "Map of token T{t} on the {h}×{w} grid; numbers: weight in per cent.",
                          "zh": "token T{t} 在 {h}×{w} 网格上的空间图；数字为权重（百分比）。"},
    "wk.single_explain": {"en": "**Token T{t}** = Σ over patches of weight × feature.\n\n"
                                "- largest weight **{peak:.1%}** at row {r}, column {c}\n"
                                "- effective number of patches exp(entropy) = **{eff:.1f}** of {N}\n"
                                "- **{k}** patches hold 90 % of the weight (coverage {cov:.0%})\n"
                                "- the weights sum to {total:.4f} (softmax over H·W)",
                          "zh": "**token T{t}** = 对所有图块求和（权重 × 特征）。\n\n"
                                "- 最大权重 **{peak:.1%}**，位于第 {r} 行、第 {c} 列\n"
                                "- 有效图块数 exp(熵) = **{eff:.1f}**（共 {N} 个）\n"
                                "- **{k}** 个图块占 90% 的权重（覆盖率 {cov:.0%}）\n"
                                "- 权重之和为 {total:.4f}（在 H·W 上做 softmax）"},
    "wk.assign_caption": {"en": "Each of the {h}×{w} patches in the colour (and with the number) of the output token it "
                                "feeds most; stronger colour = a larger share of that patch goes to that token.",
                          "zh": "{h}×{w} 个图块中的每一个都以它贡献最多的输出 token 的颜色（和编号）显示；颜色越浓，"
                                "该图块给这个 token 的份额越大。"},
    "wk.assign_explain": {"en": "A patch feeds every output token a little (each map covers the whole grid); this picture "
                                "keeps only the token that takes the most of it. Regions of one colour are the parts of "
                                "the image a single token summarises. **{unused}** of the {T} tokens win no patch at "
                                "all — they are spread thinly, or duplicate another map.",
                          "zh": "每个图块都会给所有输出 token 一点贡献（每张图覆盖整个网格）；此图只保留拿走它最多的那个 "
                                "token。同一颜色的区域就是由一个 token 概括的图像部分。{T} 个 token 中有 **{unused}** 个"
                                "一个图块也没赢得——它们分布得很薄，或与另一张图重复。"},
    "wk.stats_title": {"en": "How spread is each map over the {N} patches?", "zh": "每张图在 {N} 个图块上有多分散？"},
    "wk.stats_x": {"en": "output token", "zh": "输出 token"},
    "wk.stats_y": {"en": "fraction (0 = one patch, 1 = all patches)", "zh": "比例（0 = 单个图块，1 = 全部图块）"},
    "wk.entropy": {"en": "entropy / log N", "zh": "熵 / log N"},
    "wk.coverage": {"en": "coverage (patches for 90 % of the weight) / N", "zh": "覆盖率（占 90% 权重的图块数）/ N"},
    "wk.stats_explain": {"en": "Entropy H = −Σ p log p of a map, divided by log {N} (its largest possible value): 0 means "
                               "the token copies one patch, 1 a plain average of all patches. Coverage counts the "
                               "patches needed to hold 90 % of the weight. Trained maps tend to sit in between: each "
                               "token summarises a region.",
                         "zh": "一张图的熵 H = −Σ p log p，除以 log {N}（其最大可能值）：0 表示该 token 只复制一个图块，"
                               "1 表示对所有图块的简单平均。覆盖率统计占 90% 权重所需的图块数。训练后的图通常介于两者"
                               "之间：每个 token 概括一块区域。"},
    "wk.col.token": {"en": "token", "zh": "token"},
    "wk.col.entropy": {"en": "entropy (nats)", "zh": "熵（nats）"},
    "wk.col.entropy_norm": {"en": "entropy / log N", "zh": "熵 / log N"},
    "wk.col.effective": {"en": "effective patches", "zh": "有效图块数"},
    "wk.col.coverage": {"en": "coverage 90 %", "zh": "90% 覆盖率"},
    "wk.col.peak": {"en": "largest weight", "zh": "最大权重"},
    "wk.col.peak_at": {"en": "at (row, col)", "zh": "位置（行, 列）"},
    "wk.col.step": {"en": "step (module name)", "zh": "步骤（模块名）"},
    "wk.col.op": {"en": "what it does", "zh": "作用"},
    "wk.col.shape": {"en": "output shape", "zh": "输出形状"},
    "wk.col.params": {"en": "parameters", "zh": "参数量"},
    "wk.col.macs": {"en": "MACs", "zh": "乘加次数"},
    "wk.col.model": {"en": "WuKong image encoder", "zh": "WuKong 图像编码器"},
    "wk.col.grid": {"en": "grid at 224 px", "zh": "224 像素时的网格"},
    "wk.steps_explain": {"en": "The module's forward pass in the order of the official code, with this model's sizes "
                               "(B = 1 image). Only the three 1×1 convolutions hold parameters.",
                         "zh": "按官方代码顺序列出模块的前向计算，使用本模型的尺寸（B = 1 张图像）。只有三个 1×1 卷积有参数。"},
    "wk.op.input": {"en": "patch grid after the final norm and the projection (CLS dropped)",
                    "zh": "最终归一化与投影之后的图块网格（去掉 CLS）"},
    "wk.op.norm": {"en": "LayerNorm over the {C} channels", "zh": "对 {C} 个通道做 LayerNorm"},
    "wk.op.permute": {"en": "to channels-first for the convolutions", "zh": "转为通道优先，以便卷积"},
    "wk.op.attention_maps.0": {"en": "grouped 1×1 conv {C}→{C}, {g} groups, no bias",
                               "zh": "分组 1×1 卷积 {C}→{C}，{g} 组，无偏置"},
    "wk.op.attention_maps.1": {"en": "1×1 conv {C}→{T}: T scores per position", "zh": "1×1 卷积 {C}→{T}：每个位置 T 个分数"},
    "wk.op.reshape": {"en": "flatten the grid: (B, H·W, T) → (B, T, H·W)", "zh": "展平网格：(B, H·W, T) → (B, T, H·W)"},
    "wk.op.softmax": {"en": "softmax over the H·W positions: T maps, each sums to 1",
                      "zh": "在 H·W 个位置上做 softmax：T 张图，每张之和为 1"},
    "wk.op.feat_conv": {"en": "grouped 1×1 conv of the un-normalised input, {g} groups",
                        "zh": "对未归一化输入做分组 1×1 卷积，{g} 组"},
    "wk.op.einsum": {"en": "weighted sums: output token t = Σ_p map_t(p) · feature(p)",
                     "zh": "加权求和：输出 token t = Σ_p map_t(p) · feature(p)"},
    "wk.steps_check": {"en": "Checked on the traced tensors: features {feats}, maps {maps} with row sums {lo:.6f}…{hi:.6f}, "
                             "reduced tokens {reduced}, probe logits {logits}.",
                       "zh": "已在追踪的张量上核对：特征 {feats}，空间图 {maps}（每行之和 {lo:.6f}…{hi:.6f}），压缩后 token "
                             "{reduced}，探针 logits {logits}。"},
    "wk.cost_explain": {"en": "FILIP-style **token-wise late interaction** scores an image against a text by comparing "
                              "every image token with every text token (cosine similarity), taking each token's best "
                              "match and averaging. That costs one similarity per (image token, text token) pair: "
                              "**N×M** per image–text pair, and a contrastive batch of B images × B texts has B² pairs. "
                              "TokenReduction replaces N by T.",
                        "zh": "FILIP 式的**逐 token 后期交互**为图文打分时，把每个图像 token 与每个文本 token 比较（余弦"
                              "相似度），取每个 token 的最佳匹配再平均。每对（图像 token，文本 token）需算一次相似度："
                              "每个图文对 **N×M** 次，而 B 张图 × B 段文本的对比学习批次有 B² 个图文对。TokenReduction "
                              "把 N 换成了 T。"},
    "wk.text_tokens": {"en": "Text tokens M (WuKong uses up to 32)", "zh": "文本 token 数 M（WuKong 最多用 32）"},
    "wk.batch": {"en": "Batch B (B images × B texts)", "zh": "批大小 B（B 张图 × B 段文本）"},
    "wk.metric_full": {"en": "similarities per pair, before", "zh": "每对的相似度次数（压缩前）"},
    "wk.metric_full_help": {"en": "N × M = {N} × {M}", "zh": "N × M = {N} × {M}"},
    "wk.metric_reduced": {"en": "after TokenReduction", "zh": "TokenReduction 之后"},
    "wk.metric_reduced_help": {"en": "T × M = {T} × {M}", "zh": "T × M = {T} × {M}"},
    "wk.metric_batch": {"en": "MACs for a batch of {B}", "zh": "批大小 {B} 时的乘加次数"},
    "wk.metric_batch_help": {"en": "B² pairs × similarities × d = {d} (each similarity is a d-dimensional dot product)",
                             "zh": "B² 个图文对 × 相似度次数 × d = {d}（每次相似度是一个 d 维点积）"},
    "wk.cost_title": {"en": "Similarities per image–text pair", "zh": "每个图文对的相似度次数"},
    "wk.cost_x": {"en": "text tokens M", "zh": "文本 token 数 M"},
    "wk.cost_y": {"en": "similarities (image tokens × text tokens)", "zh": "相似度次数（图像 token × 文本 token）"},
    "wk.cost_full": {"en": "all {N} patch tokens (N×M)", "zh": "全部 {N} 个图块 token（N×M）"},
    "wk.cost_reduced": {"en": "{T} reduced tokens (T×M)", "zh": "{T} 个压缩后的 token（T×M）"},
    "wk.shapes_caption": {"en": "The two similarity matrices to scale: one cell per image-token × text-token comparison.",
                          "zh": "按比例绘制的两个相似度矩阵：每格是一次图像 token × 文本 token 的比较。"},
    "wk.published": {"en": "The published WuKong encoders (224 px) at the chosen M:",
                     "zh": "已发布的 WuKong 编码器（224 像素）在所选 M 下："},
    # words Pillow draws into the pictures: its font has Latin letters only, so both languages stay Latin
    "wk.tile": {"en": "T{t}  max {peak:.0%}", "zh": "T{t}  峰值 {peak:.0%}"},
    "wk.shapes_full": {"en": "N x M = {N} x {M} = {NM}", "zh": "N x M = {N} x {M} = {NM}"},
    "wk.shapes_reduced": {"en": "T x M = {T} x {M} = {TM}", "zh": "T x M = {T} x {M} = {TM}"},
    # colour bars: the browser writes these under the bar
    "wk.bar.map": {"en": "weight (0–1 of each map's own range)", "zh": "权重（各图自身范围的 0–1）"},
    "wk.bar.shared": {"en": "weight (shared by all maps)", "zh": "权重（所有图共用）"},
    "wk.bar.single": {"en": "weight", "zh": "权重"},
    "wk.dl_png": {"en": "PNG", "zh": "PNG"},
    "wk.dl_csv": {"en": "CSV", "zh": "CSV"},
    "wk.dl_json": {"en": "JSON", "zh": "JSON"},
    "wk.dl_html": {"en": "HTML (interactive)", "zh": "HTML（可交互）"},
}
