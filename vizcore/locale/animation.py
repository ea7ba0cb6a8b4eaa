"""Strings of the animations (every page that plays one) and of their downloads."""

STRINGS = {
    "common.download_gif": {"en": "Download GIF (animated)", "zh": "下载 GIF（动图）"},
    "anim.play": {"en": "Play", "zh": "播放"},
    "anim.pause": {"en": "Pause", "zh": "暂停"},
    "anim.previous": {"en": "Previous frame", "zh": "上一帧"},
    "anim.next": {"en": "Next frame", "zh": "下一帧"},
    "anim.speed": {"en": "Speed", "zh": "速度"},
    "anim.frame": {"en": "Frame", "zh": "帧"},
    "anim.fate_toggle": {"en": "Animate layer by layer", "zh": "逐层动画"},
    "anim.fate_caption": {"en": "Patches left entering each layer: {n} frames, one per layer.",
                          "zh": "进入每一层时剩下的图块：{n} 帧，每层一帧。"},
    "anim.fate_frame": {"en": "Layer {layer} of {last}: {left} of {n} patches left",
                        "zh": "第 {layer} 层（共 0–{last} 层）：{n} 个图块剩下 {left} 个"},
    "anim.compare_frame": {"en": "Layer {layer} of {last}: {counts}", "zh": "第 {layer} 层（共 0–{last} 层）：{counts}"},
    "anim.gumbel_toggle": {"en": "Animate successive Gumbel draws", "zh": "逐次 Gumbel 采样动画"},
    "anim.gumbel_caption": {
        "en": "Each frame is one hard Gumbel-softmax draw at τ = {tau:.1f} (seed {seed}): the input and the patches "
              "each stage kept in that draw. The predictor's probabilities stay the same; only the noise changes.",
        "zh": "每一帧是一次 τ = {tau:.1f}（种子 {seed}）下的硬 Gumbel-softmax 采样：输入图像，以及这次采样中每一阶段保留的图块。"
              "预测模块的概率不变，变的只是噪声。"},
    "anim.gumbel_frame": {"en": "Draw {i} of {n}: {counts} patches kept", "zh": "第 {i} 次采样（共 {n} 次）：保留 {counts} 个图块"},
    "anim.slide_toggle": {"en": "Animate the sliding window", "zh": "滑动窗口动画"},
    "anim.slide_caption": {
        "en": "Split {n}'s {k}×{k} window steps by {s} over the top-left of its map (grey: the padding of {p}); "
              "each position makes one token of the next map (below). Neighbouring windows overlap by {o} cells.",
        "zh": "第 {n} 次拆分的 {k}×{k} 窗口以步长 {s} 在其特征图左上角滑动（灰色：{p} 格填充）；"
              "每个位置生成下一张图中的一个 token（下方）。相邻窗口重叠 {o} 格。"},
    "anim.slide_frame": {"en": "Window {i} of {n} → token ({r}, {c})", "zh": "第 {i} 个窗口（共 {n} 个）→ token ({r}, {c})"},
    "anim.cls_toggle": {"en": "Animate through the layers", "zh": "逐层动画"},
    "anim.cls_caption": {"en": "Where the CLS token looks in each layer ({head}, colour scale: {scale}).",
                         "zh": "CLS token 在每一层关注哪里（{head}，色阶：{scale}）。"},
    "anim.cls_frame": {"en": "Layer {layer} of {last}", "zh": "第 {layer} 层（共 0–{last} 层）"},
}
