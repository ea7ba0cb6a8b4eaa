"""Strings of the PoolFormer / MetaFormer page (``pf.*``) and its navigation title."""

STRINGS = {
    "nav.poolformer": {"en": "PoolFormer / MetaFormer", "zh": "PoolFormer / MetaFormer"},
    "pf.title": {"en": "PoolFormer: is attention what makes a transformer work?",
                 "zh": "PoolFormer：让 Transformer 奏效的真的是注意力吗？"},
    "pf.idea": {"en": "**MetaFormer** is the general transformer block with its token mixer left open: "
                      "`x + Mixer(Norm(x))`, then `x + MLP(Norm(x))`. PoolFormer fills the slot with the simplest "
                      "thing possible — a 3×3 **average pooling** (minus the input) that has **no parameters and no "
                      "attention map** — and still reaches 77.2 % ImageNet top-1 with S12. The paper's claim: the "
                      "general block matters more than the specific token mixer.",
                "zh": "**MetaFormer** 是把 token 混合器留空的通用 Transformer 块：先 `x + Mixer(Norm(x))`，再 "
                      "`x + MLP(Norm(x))`。PoolFormer 用最简单的东西填这个位置——3×3 **平均池化**（再减去输入），它**没有"
                      "参数，也没有注意力图**——S12 仍能在 ImageNet 上达到 77.2% 的 top-1。论文的结论：通用的块结构比"
                      "具体用哪种 token 混合器更重要。"},
    "pf.more": {"en": "More about MetaFormer and PoolFormer", "zh": "关于 MetaFormer 与 PoolFormer 的更多内容"},
    "pf.explain": {"en": "- **Token mixer** — the part that exchanges information *between* tokens (positions). "
                         "Attention does it with input-dependent weights, MLP-Mixer with learned fixed weights, "
                         "PoolFormer with a uniform 3×3 average.\n"
                         "- **Channel MLP** — two 1×1 convolutions with GELU, acting on each position alone.\n"
                         "- **Norm** — GroupNorm with one group (normalises over C·H·W); each branch is scaled by a "
                         "learned LayerScale and added back through the residual connection.\n"
                         "- PoolFormer is hierarchical like a CNN: four stages with grids 56, 28, 14, 7 at 224 px "
                         "(the bundled model: 24, 12, 6, 3 at 96 px) joined by strided convolutions.\n"
                         "- Because pooling has no attention map, the pictures of *what the network looks at* are "
                         "class maps (Grad-CAM and its kin) of the last stage, as in the PoolFormer repository.",
                   "zh": "- **Token 混合器**——在 token（位置）*之间*交换信息的部分。注意力用依赖输入的权重，MLP-Mixer 用"
                         "学到的固定权重，PoolFormer 用均匀的 3×3 平均。\n"
                         "- **通道 MLP**——两个带 GELU 的 1×1 卷积，只作用于各自的位置。\n"
                         "- **归一化**——单组 GroupNorm（在 C·H·W 上归一化）；每个分支乘以学到的 LayerScale，再经残差连接"
                         "加回。\n"
                         "- PoolFormer 像 CNN 一样分层：224 像素时四个阶段的网格为 56、28、14、7（内置模型在 96 像素时为 "
                         "24、12、6、3），阶段之间用带步幅的卷积连接。\n"
                         "- 由于池化没有注意力图，*网络看向哪里*的图像是最后阶段的类别图（Grad-CAM 及其同类方法），与 "
                         "PoolFormer 仓库的做法相同。"},
    "pf.model": {"en": "Model", "zh": "模型"},
    "pf.cmap": {"en": "Colour map", "zh": "配色"},
    "pf.pipeline": {"en": "Real shapes on this image: pixels {image} → stage outputs {stages} → logits {logits} "
                          "(top class: {top}).",
                    "zh": "此图像上的真实形状：像素 {image} → 各阶段输出 {stages} → logits {logits}（最高类别：{top}）。"},
    "pf.view": {"en": "View", "zh": "视图"},
    "pf.view.block": {"en": "The block", "zh": "块结构"},
    "pf.view.pool": {"en": "pool(x) − x", "zh": "pool(x) − x"},
    "pf.view.stages": {"en": "Feature maps per stage", "zh": "各阶段特征图"},
    "pf.view.mixers": {"en": "Swap the mixer", "zh": "替换混合器"},
    "pf.view.cam": {"en": "Class map (CAM)", "zh": "类别图（CAM）"},
    "pf.mixer.pooling": {"en": "pooling", "zh": "池化"},
    "pf.mixer.identity": {"en": "identity", "zh": "恒等"},
    "pf.mixer.attention": {"en": "attention", "zh": "注意力"},
    "pf.slot": {"en": "Put in the token-mixer slot", "zh": "放入 token 混合器位置"},
    "pf.diagram.input": {"en": "input x", "zh": "输入 x"},
    "pf.diagram.norm": {"en": "Norm", "zh": "归一化"},
    "pf.diagram.mixer": {"en": "Token mixer", "zh": "Token 混合器"},
    "pf.diagram.add": {"en": "+", "zh": "+"},
    "pf.diagram.mlp": {"en": "Channel MLP", "zh": "通道 MLP"},
    "pf.diagram.output": {"en": "output", "zh": "输出"},
    "pf.diagram.residual": {"en": "residual", "zh": "残差"},
    "pf.diagram.slot": {"en": "the token-mixer slot can hold:", "zh": "token 混合器位置可以放："},
    "pf.diagram.attention": {"en": "Attention (Transformer)", "zh": "注意力（Transformer）"},
    "pf.diagram.spatial_mlp": {"en": "Spatial MLP (MLP-Mixer)", "zh": "空间 MLP（MLP-Mixer）"},
    "pf.diagram.pooling": {"en": "Pooling (PoolFormer)", "zh": "池化（PoolFormer）"},
    "pf.diagram.identity": {"en": "Identity (ablation)", "zh": "恒等映射（消融）"},
    "pf.block_caption": {"en": "The MetaFormer block: everything but the highlighted token mixer stays the same.",
                         "zh": "MetaFormer 块：除高亮的 token 混合器外，其余部分都不变。"},
    "pf.slot_explain.pooling": {"en": "**Pooling** (PoolFormer): each position takes the mean of its 3×3 neighbourhood "
                                      "and subtracts itself. No parameters, cost linear in the number of tokens, and "
                                      "nothing to draw as an attention map.",
                                "zh": "**池化**（PoolFormer）：每个位置取其 3×3 邻域的均值再减去自身。没有参数，开销与 token 数"
                                      "成线性关系，也没有可画的注意力图。"},
    "pf.slot_explain.identity": {"en": "**Identity**: no mixing between tokens at all — the block becomes a per-position "
                                       "MLP, and only the strided convolutions between stages mix neighbours. The "
                                       "MetaFormer paper trained this variant and still got 74.3 % top-1 (S12).",
                                 "zh": "**恒等映射**：token 之间完全不混合——块变成逐位置的 MLP，只有阶段之间带步幅的卷积会混合"
                                       "邻居。MetaFormer 论文训练了这一变体，S12 仍得到 74.3% 的 top-1。"},
    "pf.slot_explain.attention": {"en": "**Attention**: every position takes a content-weighted average of all positions "
                                        "of the stage, softmax(yyᵀ/√C)·y. Here it is parameter-free (no Q/K/V "
                                        "projections), so it can replace pooling in the trained network; its cost "
                                        "grows with the square of the tokens.",
                                  "zh": "**注意力**：每个位置对该阶段所有位置做按内容加权的平均，softmax(yyᵀ/√C)·y。这里它不含参数"
                                        "（没有 Q/K/V 投影），因此可以在训练好的网络里替换池化；其开销随 token 数平方增长。"},
    "pf.col.stage": {"en": "stage", "zh": "阶段"},
    "pf.col.blocks": {"en": "blocks", "zh": "块数"},
    "pf.col.shape": {"en": "output shape", "zh": "输出形状"},
    "pf.col.tokens": {"en": "tokens (H·W)", "zh": "token 数（H·W）"},
    "pf.col.mixer_params": {"en": "mixer parameters", "zh": "混合器参数量"},
    "pf.col.mlp_params": {"en": "MLP parameters", "zh": "MLP 参数量"},
    "pf.col.block_mmacs": {"en": "MMACs per block", "zh": "每块百万次乘加"},
    "pf.pool_explain": {"en": "Why `pool(x) − x` and not `pool(x)`? The block already adds x back through its residual "
                              "connection, so the mixer only has to supply the *change*. The difference between a "
                              "position's 3×3 mean and the position itself is a discrete **Laplacian-like high-pass "
                              "filter**: flat regions give 0, edges and texture stand out. The PoolFormer authors "
                              "(repository issue #1) call pool(x) a mean filter and pool(x) − x a Laplacian filter, and "
                              "recall it scoring about 0.2–0.3 points better than plain pool(x).",
                        "zh": "为什么是 `pool(x) − x` 而不是 `pool(x)`？块已经通过残差连接把 x 加回，混合器只需提供*变化量*。"
                              "一个位置的 3×3 均值与其自身之差是离散的**类拉普拉斯高通滤波器**：平坦区域为 0，边缘和纹理"
                              "会凸显出来。PoolFormer 作者（仓库 issue #1）把 pool(x) 称为均值滤波、pool(x) − x 称为拉普拉斯"
                              "滤波，并回忆它比单纯的 pool(x) 高约 0.2–0.3 个点。"},
    "pf.source": {"en": "Apply it to", "zh": "作用于"},
    "pf.source.image": {"en": "the image (grey)", "zh": "图像（灰度）"},
    "pf.source.feature": {"en": "a feature map", "zh": "一张特征图"},
    "pf.stage": {"en": "Stage (output shape)", "zh": "阶段（输出形状）"},
    "pf.channel": {"en": "Channel (most varied first)", "zh": "通道（按变化程度排序）"},
    "pf.channel_word": {"en": "channel", "zh": "通道"},
    "pf.what_feature": {"en": "Channel {channel} of stage {stage}'s output {shape}: x, pool(x) and pool(x) − x. (Inside "
                              "a block the mixer acts on GroupNorm(x); the operation is the same.)",
                        "zh": "阶段 {stage} 输出 {shape} 的第 {channel} 个通道：x、pool(x) 与 pool(x) − x。（在块内部，混合器"
                              "作用于 GroupNorm(x)；运算相同。）"},
    "pf.what_image": {"en": "The model's {h}×{w} input in grey: x, pool(x) (a blur) and pool(x) − x (edges).",
                      "zh": "模型 {h}×{w} 输入的灰度图：x、pool(x)（模糊）与 pool(x) − x（边缘）。"},
    "pf.kernel_title": {"en": "**pool(x) − x as one 3×3 kernel**", "zh": "**把 pool(x) − x 写成一个 3×3 卷积核**"},
    "pf.kernel_caption": {"en": "1/9 everywhere, 1/9 − 1 = −8/9 in the centre: the 8-neighbour Laplacian divided by 9 "
                                "(inside the map; at the border the pool averages only existing neighbours).",
                          "zh": "各处为 1/9，中心为 1/9 − 1 = −8/9：即 8 邻域拉普拉斯核除以 9（在图内部；边界处池化只平均"
                                "存在的邻居）。"},
    "pf.freq_title": {"en": "What each filter passes", "zh": "各滤波器允许通过的频率"},
    "pf.freq_x": {"en": "spatial frequency ω (radians per position)", "zh": "空间频率 ω（弧度 / 位置）"},
    "pf.freq_y": {"en": "gain", "zh": "增益"},
    "pf.freq_row": {"en": "along a row", "zh": "沿行方向"},
    "pf.freq_diag": {"en": "along the diagonal", "zh": "沿对角线"},
    "pf.per_stage": {"en": "Maps per stage", "zh": "每阶段显示的图数"},
    "pf.stages_caption": {"en": "Each row is a stage's output (C×H×W on the left): first the length of every position's "
                                "feature vector, then the {n} most varied channels.",
                          "zh": "每行是一个阶段的输出（左侧为 C×H×W）：先是每个位置特征向量的长度，然后是变化最大的 {n} 个"
                                "通道。"},
    "pf.stages_explain": {"en": "Like a CNN, PoolFormer halves the grid and widens the channels from stage to stage; "
                                "there are no tokens to drop, but later stages have 16–64× fewer positions. Each map "
                                "is scaled to its own minimum and maximum.",
                          "zh": "与 CNN 一样，PoolFormer 在各阶段之间把网格减半、通道加宽；没有可丢弃的 token，但后面阶段的"
                                "位置数少 16–64 倍。每张图按其自身的最小值和最大值缩放。"},
    "pf.mixers_explain": {"en": "The same trained weights run with the token mixer swapped *at inference* (nothing is "
                                "retrained, the shared model is not modified). A large change means this network "
                                "relies on its pooling; it is **not** the paper's ablation, where each variant is "
                                "trained from scratch (identity: 74.3 % vs pooling 77.2 % for S12).",
                          "zh": "同一套训练好的权重，在*推理时*替换 token 混合器（不重新训练，也不修改共享模型）。变化大说明"
                                "这个网络依赖它的池化；这**不是**论文中的消融实验——那里每个变体都从头训练（S12：恒等映射 "
                                "74.3%，池化 77.2%）。"},
    "pf.mix_title": {"en": "Probabilities of the pooling model's top classes under each mixer",
                     "zh": "池化模型的最高类别在各混合器下的概率"},
    "pf.mix_x": {"en": "class", "zh": "类别"},
    "pf.mix_y": {"en": "probability", "zh": "概率"},
    "pf.col.mixer": {"en": "mixer", "zh": "混合器"},
    "pf.col.top1": {"en": "top-1 class", "zh": "top-1 类别"},
    "pf.col.prob": {"en": "its probability", "zh": "其概率"},
    "pf.col.ref_prob": {"en": "probability of pooling's top-1", "zh": "池化 top-1 类别的概率"},
    "pf.col.dlogit": {"en": "mean |Δ logit| vs pooling", "zh": "相对池化的平均 |Δ logit|"},
    "pf.mix_maps_caption": {"en": "The last stage's feature length per position ({shape}) under each mixer.",
                            "zh": "各混合器下最后阶段每个位置的特征长度（{shape}）。"},
    "pf.cam_explain": {"en": "A ViT page would show attention here, but pooling has no attention map. A **class map** asks "
                             "instead: which positions of the last stage's feature map raise the score of a class? "
                             "**Grad-CAM** weights each channel by the mean gradient of the class score, sums and keeps "
                             "the positive part; **Grad-CAM++** builds the weights from the positive gradients with "
                             "second-order terms, so several objects of a class share the map; **LayerCAM** weights "
                             "every position by its own positive gradient; **EigenCAM** takes the first principal "
                             "component of the features, without gradients, and is the same for every class. Computed "
                             "with the `grad-cam` library, as the PoolFormer repository draws its pictures.",
                       "zh": "ViT 页面在这里会展示注意力，但池化没有注意力图。**类别图**换一个问题：最后阶段特征图的哪些位置"
                             "提高了某个类别的分数？**Grad-CAM** 用类别分数梯度的均值给每个通道加权、求和并保留正值部分；"
                             "**Grad-CAM++** 用带二阶项的正梯度构造权重，使同一类别的多个物体都能出现在图中；**LayerCAM** "
                             "用每个位置自身的正梯度加权；**EigenCAM** 取特征的第一主成分，不用梯度，对所有类别都相同。"
                             "这些图由 `grad-cam` 库计算，PoolFormer 仓库也用它作图。"},
    "pf.cam_method": {"en": "Method", "zh": "方法"},
    "pf.cam_method.gradcam": {"en": "Grad-CAM", "zh": "Grad-CAM"},
    "pf.cam_method.gradcampp": {"en": "Grad-CAM++", "zh": "Grad-CAM++"},
    "pf.cam_method.eigencam": {"en": "EigenCAM", "zh": "EigenCAM"},
    "pf.cam_method.layercam": {"en": "LayerCAM", "zh": "LayerCAM"},
    "pf.cam_mixer": {"en": "Network with mixer", "zh": "网络使用的混合器"},
    "pf.cam_target": {"en": "Class (top 5)", "zh": "类别（前 5）"},
    "pf.alpha": {"en": "Overlay opacity", "zh": "叠加不透明度"},
    "pf.cam_input": {"en": "What the model sees ({h}×{w} px)", "zh": "模型看到的图像（{h}×{w} 像素）"},
    "pf.cam_caption": {"en": "{method} for “{cls}” on the last {h}×{w} grid ({mixer}), smoothed to the image.",
                       "zh": "“{cls}”的 {method}，位于最后的 {h}×{w} 网格（{mixer}），平滑插值到图像大小。"},
    "pf.cam_caption_any": {"en": "{method} on the last {h}×{w} grid ({mixer}), smoothed to the image; the same map for "
                                 "every class (here the top one, “{cls}”, is only listed).",
                           "zh": "{method}，位于最后的 {h}×{w} 网格（{mixer}），平滑插值到图像大小；对每个类别都是同一张图"
                                 "（这里仅列出最高类别“{cls}”）。"},
    "pf.dl_png": {"en": "PNG", "zh": "PNG"},
    "pf.dl_svg": {"en": "SVG", "zh": "SVG"},
    "pf.dl_csv": {"en": "CSV", "zh": "CSV"},
    "pf.dl_json": {"en": "JSON", "zh": "JSON"},
    "pf.dl_html": {"en": "HTML (interactive)", "zh": "HTML（可交互）"},
}
