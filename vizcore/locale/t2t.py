"""Strings of the T2T-ViT soft-split page (``t2t.*``) and its navigation title."""

STRINGS = {
    "nav.t2t": {"en": "T2T soft split", "zh": "T2T 软切分"},
    "t2t.title": {"en": "T2T-ViT: soft split — overlapping windows instead of hard patches",
                  "zh": "T2T-ViT：软切分——用重叠窗口代替硬切图块"},
    "t2t.idea": {"en": "ViT cuts the image into non-overlapping patches (a **hard split**: kernel = stride), so a "
                       "token never sees the pixels just across its border. T2T-ViT's **soft split** is an `Unfold` "
                       "with stride < kernel: neighbouring windows **overlap**, every token concatenates a k×k "
                       "neighbourhood, and a token module (one-head attention) mixes the tokens before they are "
                       "**re-structurized** into a map and split again. Three splits shrink 224×224 px to 14×14 "
                       "tokens (3136×147 → 784×576 → 196×576) while each token summarises a growing, overlapping "
                       "region.",
                 "zh": "ViT 把图像切成互不重叠的图块（**硬切分**：核大小 = 步幅），一个 token 永远看不到边界另一侧的"
                       "像素。T2T-ViT 的**软切分**是步幅小于核大小的 `Unfold`：相邻窗口**相互重叠**，每个 token 拼接一个 "
                       "k×k 邻域，再由 token 模块（单头注意力）混合各 token，之后**重新结构化**为特征图并再次切分。"
                       "三次切分把 224×224 像素缩小到 14×14 个 token（3136×147 → 784×576 → 196×576），而每个 token "
                       "概括的区域不断变大且彼此重叠。"},
    "t2t.more": {"en": "Why the token width grows as k²·C, and what the token module does",
                 "zh": "为什么 token 维度按 k²·C 增长，以及 token 模块做什么"},
    "t2t.explain": {"en": "`nn.Unfold(kernel_size=k, stride=s, padding=p)` slides a k×k window over a C-channel map and "
                          "writes each window out as one column: a token of width **k²·C** (all k·k positions × all C "
                          "channels, concatenated). On the image, (7, 4, 2) gives 7·7·3 = **147**; after a token module "
                          "has projected every token to 64 channels, (3, 2, 1) gives 3·3·64 = **576**. The number of "
                          "tokens is the number of window positions, ⌊(H + 2p − k)/s⌋ + 1 per side.\n\n"
                          "Between the splits, T2T-ViT-7/10/12 use a *token performer* and T2T-ViT_t use a *token "
                          "transformer*: attention over all tokens of that stage, then a reshape of the tokens back "
                          "into a map (re-structurization) so that the next split can see neighbours again. The last "
                          "split is followed by a Linear layer to the embedding width, a CLS token and sinusoidal "
                          "position embeddings, then an ordinary ViT backbone.\n\n"
                          "The footprint drawn here follows only the unfold windows (the structural receptive field); "
                          "the token modules' attention can additionally mix information from anywhere in the map.",
                    "zh": "`nn.Unfold(kernel_size=k, stride=s, padding=p)` 在 C 通道的特征图上滑动 k×k 窗口，把每个窗口"
                          "展开成一列：一个宽度为 **k²·C** 的 token（k·k 个位置 × C 个通道拼接而成）。在图像上，(7, 4, 2) "
                          "得到 7·7·3 = **147**；token 模块把每个 token 投影到 64 个通道后，(3, 2, 1) 得到 3·3·64 = "
                          "**576**。token 的个数就是窗口位置的个数，每边为 ⌊(H + 2p − k)/s⌋ + 1。\n\n"
                          "在两次切分之间，T2T-ViT-7/10/12 使用 *token performer*，T2T-ViT_t 使用 *token transformer*："
                          "对该阶段所有 token 做注意力，再把 token 重排回特征图（重新结构化），以便下一次切分重新看到"
                          "邻居。最后一次切分之后接一个线性层映射到嵌入维度，加上 CLS token 和正弦位置编码，然后是普通"
                          "的 ViT 主干。\n\n"
                          "这里画出的足迹只跟随 unfold 窗口（结构感受野）；token 模块的注意力还能从特征图任意位置混入信息。"},
    "t2t.model": {"en": "Model", "zh": "模型"},
    "t2t.cmap": {"en": "Colour map", "zh": "配色"},
    "t2t.sliders": {"en": "Soft splits on a {h}×{w} input", "zh": "{h}×{w} 输入上的软切分"},
    "t2t.split": {"en": "Soft split {n}", "zh": "软切分 {n}"},
    "t2t.split_short": {"en": "split", "zh": "切分"},
    "t2t.kernel": {"en": "kernel k", "zh": "核大小 k"},
    "t2t.stride": {"en": "stride s", "zh": "步幅 s"},
    "t2t.padding": {"en": "padding p", "zh": "填充 p"},
    "t2t.reset": {"en": "Back to the model's splits {stages}", "zh": "恢复模型自身的切分 {stages}"},
    "t2t.stage_result": {"en": "Split {n}: {h}×{w} = **{L}** tokens of width {k}²·{c} = **{d}**",
                         "zh": "切分 {n}：{h}×{w} = **{L}** 个 token，宽度 {k}²·{c} = **{d}**"},
    "t2t.err.bad": {"en": "Split {stage}: kernel and stride must be at least 1 and padding at least 0 "
                          "(got k={k}, s={s}, p={p}).",
                    "zh": "切分 {stage}：核大小和步幅至少为 1，填充至少为 0（当前 k={k}、s={s}、p={p}）。"},
    "t2t.err.fit": {"en": "Split {stage} cannot run: a {k}×{k} window does not fit a {h}×{w} map even with padding {p} "
                          "({h} + 2·{p} < {k}). Use a smaller kernel, more padding, or smaller strides in the earlier "
                          "splits.",
                    "zh": "切分 {stage} 无法进行：即使填充 {p}，{k}×{k} 的窗口也放不进 {h}×{w} 的特征图（{h} + 2·{p} < {k}）。"
                          "请减小核大小、增加填充，或减小前面切分的步幅。"},
    "t2t.warn.gap": {"en": "Split {stage}: stride {s} > kernel {k} — the windows leave gaps, so some positions reach no "
                           "token at all (count 0 below).",
                     "zh": "切分 {stage}：步幅 {s} > 核大小 {k}——窗口之间留有空隙，有些位置不进入任何 token（下图计数为 0）。"},
    "t2t.warn.pad": {"en": "Split {stage}: padding {p} ≥ kernel {k} — the outermost windows hold only padding zeros.",
                     "zh": "切分 {stage}：填充 {p} ≥ 核大小 {k}——最外侧的窗口只包含填充的零。"},
    "t2t.warn.big": {"en": "Split {stage} makes {tokens} tokens: attention over that many tokens is very expensive.",
                     "zh": "切分 {stage} 产生 {tokens} 个 token：在这么多 token 上做注意力代价非常高。"},
    "t2t.custom": {"en": "You are exploring your own splits; the model itself was built with {stages} and its real "
                         "tensors (Schedule view) follow those.",
                   "zh": "你正在尝试自己的切分；模型本身按 {stages} 构建，其真实张量（“阶段表”视图）以此为准。"},
    "t2t.view": {"en": "View", "zh": "视图"},
    "t2t.view.windows": {"en": "Windows & overlap", "zh": "窗口与重叠"},
    "t2t.view.footprint": {"en": "Click a token: footprint", "zh": "点击 token：足迹"},
    "t2t.view.schedule": {"en": "Tokens, widths & real shapes", "zh": "token 数、维度与真实形状"},
    "t2t.which_split": {"en": "Which split", "zh": "哪一次切分"},
    "t2t.where": {"en": "Zoom on", "zh": "放大位置"},
    "t2t.where.centre": {"en": "the centre", "zh": "中心"},
    "t2t.where.corner": {"en": "the top-left corner (padding)", "zh": "左上角（填充）"},
    "t2t.drawing": {"en": "Drawing the geometry …", "zh": "正在绘制几何图 ……"},
    "t2t.windows_caption": {"en": "Top: soft split {n} — the map it cuts (red: zoomed part), 3×3 neighbouring windows "
                                  "(grey = padding), how many windows cover each position, and the whole map. Bottom: "
                                  "ViT's hard split into {P}×{P} patches for contrast.",
                            "zh": "上排：软切分 {n}——被切分的特征图（红框为放大区域）、3×3 个相邻窗口（灰色为填充）、每个位置"
                                  "被多少窗口覆盖，以及整张图。下排：ViT 的 {P}×{P} 硬切分作对比。"},
    "t2t.windows_explain": {"en": "With k={k}, s={s}, p={p}, positions are covered by {spread} windows (mean {mean:.2f}; "
                                  "in the interior about k²/s² = {ratio:.2f}). Each covered position appears in several "
                                  "tokens, so neighbouring tokens share pixels and a token's content does not stop at a "
                                  "patch border. ViT's {P}×{P} hard split covers every pixel exactly once.",
                            "zh": "当 k={k}、s={s}、p={p} 时，各位置被覆盖的窗口数分布为 {spread}（平均 {mean:.2f}；内部约为 "
                                  "k²/s² = {ratio:.2f}）。每个被覆盖的位置出现在多个 token 中，因此相邻 token 共享像素，token "
                                  "的内容不会止于图块边界。ViT 的 {P}×{P} 硬切分让每个像素恰好只被覆盖一次。"},
    "t2t.click_help": {"en": "Click a token of the final {h}×{w} grid (or type its index).",
                       "zh": "点击最终 {h}×{w} 网格中的一个 token（或输入其索引）。"},
    "t2t.token_index": {"en": "Final token (row-major index)", "zh": "最终 token（行优先索引）"},
    "t2t.col.map": {"en": "map", "zh": "特征图"},
    "t2t.col.split": {"en": "split", "zh": "切分"},
    "t2t.col.box": {"en": "receptive box", "zh": "感受框"},
    "t2t.col.positions": {"en": "positions reached", "zh": "覆盖的位置数"},
    "t2t.col.paths": {"en": "most paths to one position", "zh": "单个位置的最多路径数"},
    "t2t.col.ksp": {"en": "k, s, p", "zh": "k, s, p"},
    "t2t.col.in": {"en": "input map", "zh": "输入特征图"},
    "t2t.col.out": {"en": "output grid", "zh": "输出网格"},
    "t2t.col.tokens": {"en": "tokens", "zh": "token 数"},
    "t2t.col.dim": {"en": "token width k²·C", "zh": "token 维度 k²·C"},
    "t2t.col.step": {"en": "step", "zh": "步骤"},
    "t2t.col.shape": {"en": "tensor shape", "zh": "张量形状"},
    "t2t.footprint_explain": {"en": "Token ({r}, {c}) is built from the windows of every split in turn: its last window "
                                    "on the previous grid, their windows on the grid before, and so on down to the "
                                    "pixels — a **{bh}×{bw}** px box on the input, overlapping its neighbours' boxes. "
                                    "The colours count the unfold paths to each position (the centre is reached most "
                                    "often). A ViT token comes from exactly one {P}×{P} patch.",
                              "zh": "token ({r}, {c}) 依次由每次切分的窗口构成：它在上一网格上的最后一个窗口、这些窗口在更前"
                                    "一级网格上的窗口……一直到像素——在输入上是一个 **{bh}×{bw}** 像素的框，并与相邻 token 的框"
                                    "重叠。颜色表示通往每个位置的 unfold 路径数（中心被到达的次数最多）。ViT 的 token 只来自"
                                    "一个 {P}×{P} 图块。"},
    "t2t.footprint_caption": {"en": "Token ({r}, {c}) traced back through every soft split (left to right: final grid → "
                                    "image), and the single patch of ViT's hard split.",
                              "zh": "token ({r}, {c}) 逐次回溯每次软切分（从左到右：最终网格 → 图像），以及 ViT 硬切分下的单个图块。"},
    "t2t.fig_title": {"en": "Tokens and token width per split at {h}×{w}", "zh": "{h}×{w} 下每次切分的 token 数与维度"},
    "t2t.fig_tokens": {"en": "tokens (log scale)", "zh": "token 数（对数坐标）"},
    "t2t.fig_dims": {"en": "token width k²·C", "zh": "token 维度 k²·C"},
    "t2t.fig_stage": {"en": "split (kernel, stride, padding)", "zh": "切分（核大小、步幅、填充）"},
    "t2t.fig_soft": {"en": "soft split (T2T)", "zh": "软切分（T2T）"},
    "t2t.fig_hard": {"en": "hard split (ViT)", "zh": "硬切分（ViT）"},
    "t2t.schedule_explain": {"en": "Each split concatenates a k×k window of C channels, so the token width is k²·C: "
                                   "{d0} = {k0}²·3 on the image, then k²·{td} after each token module has brought the "
                                   "width back to {td}. Without that projection the width would multiply at every "
                                   "split. ViT's hard split reaches the final grid in one step with {P}×{P} patches of "
                                   "width {hd}, but no token ever sees across its patch border.",
                             "zh": "每次切分拼接一个 C 通道的 k×k 窗口，所以 token 维度是 k²·C：图像上为 {d0} = {k0}²·3，之后"
                                   "每个 token 模块先把维度降回 {td}，因此为 k²·{td}。若没有这一投影，维度会在每次切分时成倍"
                                   "增长。ViT 的硬切分用 {P}×{P} 图块一步得到最终网格，token 维度为 {hd}，但任何 token 都看不到"
                                   "自身图块边界之外。"},
    "t2t.real_title": {"en": "Real tensor shapes of {model} on this image", "zh": "{model} 在此图像上的真实张量形状"},
    "t2t.norms_caption": {"en": "Re-structurized tokens: the length of every token after each token module, on its grid "
                                "({s1} and {s2}).",
                          "zh": "重新结构化的 token：每个 token 模块输出的各 token 的长度（范数），排列在其网格上（{s1} 与 {s2}）。"},
    "t2t.dl_png": {"en": "PNG", "zh": "PNG"},
    "t2t.dl_csv": {"en": "CSV", "zh": "CSV"},
    "t2t.dl_json": {"en": "JSON", "zh": "JSON"},
    "t2t.dl_html": {"en": "HTML (interactive)", "zh": "HTML（可交互）"},
}
