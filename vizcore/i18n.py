"""The strings catalogue: every label and explanation in English and Simplified Chinese.

No translation happens at run time; a missing Chinese string falls back to English.
"""
from __future__ import annotations

import importlib
import pkgutil

import vizcore.locale as locale

LANGUAGES = {"en": "English", "zh": "简体中文"}

STRINGS: dict[str, dict[str, str]] = {
    # --- app and sidebar
    "app.title": {"en": "Token Lab", "zh": "Token 实验室"},
    "app.tagline": {"en": "See how vision transformers spend and save tokens.",
                    "zh": "看见视觉 Transformer 如何花费与节省 token。"},
    "nav.basics": {"en": "Basics", "zh": "基础"},
    "nav.methods": {"en": "Methods", "zh": "方法"},
    "nav.compare": {"en": "Compare", "zh": "比较"},
    "nav.home": {"en": "Home", "zh": "首页"},
    "nav.attention": {"en": "Attention", "zh": "注意力"},
    "side.language": {"en": "Language", "zh": "语言"},
    "side.image": {"en": "Image", "zh": "图像"},
    "side.image_source": {"en": "Image source", "zh": "图像来源"},
    "side.gallery": {"en": "Gallery", "zh": "图库"},
    "side.upload": {"en": "Upload", "zh": "上传"},
    "side.scene": {"en": "Scene", "zh": "合成场景"},
    "side.scene_index": {"en": "Synthetic scene (held-out test split)", "zh": "合成场景（保留的测试集）"},
    "side.scene_label": {"en": "Object: **{cls}**, filled with **{pattern}**",
                         "zh": "物体：**{cls}**，内部图案：**{pattern}**"},
    "side.scene_label_twice": {"en": "Which shape appears twice among the {n}? **{cls}** (filled with **{pattern}**)",
                               "zh": "{n} 个形状中哪一种出现了两次？**{cls}**（内部图案：**{pattern}**）"},
    "side.show_mask": {"en": "Show the object mask", "zh": "显示物体掩码"},
    "side.sample": {"en": "Sample photo", "zh": "示例照片"},
    "side.upload_label": {"en": "Your image (PNG, JPEG, WebP, BMP, TIFF, GIF)",
                          "zh": "你的图像（PNG、JPEG、WebP、BMP、TIFF、GIF）"},
    "side.upload_wait": {"en": "No upload yet — showing the gallery image.",
                         "zh": "尚未上传——显示图库图像。"},
    "side.model_source": {"en": "Model weights", "zh": "模型权重"},
    "side.source.bundled": {"en": "bundled (offline)", "zh": "内置（离线）"},
    "side.source.hub": {"en": "pretrained hub (online)", "zh": "预训练仓库（需联网）"},
    "side.source.file": {"en": "checkpoint file", "zh": "权重文件"},
    "side.source.random": {"en": "random init", "zh": "随机初始化"},
    "side.checkpoint_path": {"en": "Checkpoint path on this machine", "zh": "本机上的权重文件路径"},
    "side.checkpoint_upload": {"en": "…or upload a checkpoint", "zh": "……或上传权重文件"},
    "side.device": {"en": "Device", "zh": "设备"},
    "side.device_info": {"en": "Running on **{device}** ({name}) · torch {torch}",
                         "zh": "运行于 **{device}**（{name}）· torch {torch}"},
    "msg.random_weights": {"en": "This model runs on **random weights**: the pictures show the machinery, not what a "
                                 "trained model learned. Pick bundled weights when they exist, or a checkpoint.",
                           "zh": "该模型使用**随机权重**：图像展示的是机制，而非训练后模型学到的内容。"
                                 "如有内置权重或权重文件，请选择它们。"},
    "msg.no_bundled": {"en": "{model} has no bundled weights — using random weights.",
                       "zh": "{model} 没有内置权重——改用随机权重。"},
    "msg.no_hub": {"en": "{model} has no pretrained hub weights — using random weights.",
                   "zh": "{model} 没有预训练仓库权重——改用随机权重。"},
    "msg.bundled_on_photo": {"en": "The bundled models learned synthetic scenes (ten shape classes, each "
                                   "with its own interior pattern, on photo backgrounds), not ImageNet: on this image they show how a scene-trained model "
                                   "spends its tokens. Choose a synthetic scene in the sidebar, or the pretrained hub / "
                                   "a checkpoint file for ImageNet weights.",
                             "zh": "内置模型学习的是合成场景（照片背景上的十类形状，每类有自己的内部图案），而非 ImageNet：在这张图像上，它们展示的是"
                                   "场景训练模型如何花费 token。可在侧边栏选择合成场景，或选择预训练仓库 / 权重文件以使用 "
                                   "ImageNet 权重。"},
    "msg.loading_model": {"en": "Loading {model} …", "zh": "正在加载 {model} ……"},
    "msg.loading_libraries": {"en": "Loading the model libraries (once per server start) …",
                              "zh": "正在加载模型库（每次启动服务器只需一次）……"},
    "msg.running": {"en": "Running the model …", "zh": "正在运行模型……"},
    "msg.bad_image": {"en": "That file could not be used: {error}", "zh": "无法使用该文件：{error}"},
    "msg.model_failed": {"en": "Could not load {model}: {error}", "zh": "无法加载 {model}：{error}"},
    "msg.bad_path": {"en": "That path cannot be used: {error}", "zh": "无法使用该路径：{error}"},
    "msg.unexpected": {"en": "Something went wrong on this page (error {id}). Try again; if it happens again, "
                             "give the person running Token Lab this error id.",
                       "zh": "此页面出错了（错误编号 {id}）。请重试；若再次出现，请把错误编号告诉运行 Token 实验室的人。"},
    "msg.need_checkpoint": {"en": "Give a checkpoint path or upload a file in the sidebar.",
                            "zh": "请在侧边栏给出权重路径或上传文件。"},
    "msg.need_upload": {"en": "Upload a checkpoint file in the sidebar.", "zh": "请在侧边栏上传权重文件。"},
    # --- landing page
    "home.intro": {"en": "Token Lab lets you *see* how vision transformers spend and save tokens. Pick an image "
                         "in the sidebar (a sample photo or your own), then open a page.",
                   "zh": "Token 实验室让你*看见*视觉 Transformer 如何花费与节省 token。先在侧边栏选择一张图像"
                         "（示例照片或你自己的），再打开一个页面。"},
    "home.pages": {"en": "What each page shows", "zh": "各页面内容"},
    "home.attention": {"en": "**Attention** — where the CLS token and any patch look, per layer and head; rollout "
                             "across layers; Q/K/V shapes; position-embedding similarity.",
                       "zh": "**注意力**——CLS token 与任一图块在每层、每个头关注哪里；跨层注意力展开；"
                             "Q/K/V 形状；位置编码相似度。"},
    "home.wukong": {"en": "**WuKong TokenReduction** — the few learned spatial maps that pool the patch grid into T "
                          "tokens, and what that saves in token-wise late interaction.",
                    "zh": "**WuKong TokenReduction**——少量学到的空间图把图块网格汇聚成 T 个 token，以及它为逐 token "
                          "后期交互节省了多少。"},
    "home.t2t": {"en": "**T2T soft split** — overlapping Unfold windows, how many windows cover each pixel, tokens and "
                       "dims per stage, a token's footprint; ViT's hard split beside it.",
                 "zh": "**T2T 软切分**——重叠的 Unfold 窗口、每个像素被多少窗口覆盖、每阶段的 token 数与维度、某个 token 的"
                       "覆盖范围；并与 ViT 的硬切分对照。"},
    "home.poolformer": {"en": "**PoolFormer / MetaFormer** — pooling as the token mixer, what pool(x) − x does, feature "
                              "maps per stage, mixers swapped, a class map instead of attention.",
                        "zh": "**PoolFormer / MetaFormer**——以池化作为 token 混合器、pool(x) − x 的作用、各阶段特征图、"
                              "替换混合器、用类别图代替注意力。"},
    "home.dynamicvit": {"en": "**DynamicViT** — which tokens each stage keeps, ρ and the counts it implies, top-k "
                              "inference vs the Gumbel-softmax training view.",
                        "zh": "**DynamicViT**——每一阶段保留哪些 token、ρ 及其对应的数量、top-k 推理与 Gumbel-softmax "
                              "训练视图的对比。"},
    "home.compare": {"en": "**Compare reducers** — DynamicViT, EViT, ToMe and random drop side by side at one token "
                           "budget: token fate, tokens and GMACs per layer, keep precision on synthetic scenes.",
                     "zh": "**比较各方法**——在同一 token 预算下并排比较 DynamicViT、EViT、ToMe 与随机丢弃：token 去留、"
                           "每层 token 数与 GMACs、合成场景上的保留精度。"},
    "home.tradeoffs": {"en": "**Trade-offs** — GMACs, parameters, measured latency and accuracy of every configuration "
                             "as a Pareto plot, with the papers' ImageNet numbers beside them.",
                       "zh": "**权衡**——以帕累托图展示每种配置的 GMACs、参数量、实测延迟与准确率，并附论文的 ImageNet 数字。"},
    "home.offline": {"en": "Everything runs offline on this machine's {device}.",
                     "zh": "一切都在本机的 {device} 上离线运行。"},
    # --- attention page
    "attn.title": {"en": "Attention: where does each token look?", "zh": "注意力：每个 token 看向哪里？"},
    "attn.explain": {"en": "A ViT cuts the image into patches, turns each into a token, and in every layer each "
                           "token takes a weighted average of all tokens' values. The weights — softmax(QKᵀ/√d) — "
                           "are the attention map: one row per query token, one column per key token, "
                           "each row summing to 1. Multi-head attention computes several such maps in parallel.",
                     "zh": "ViT 把图像切成图块，每块变成一个 token；在每一层中，每个 token 对所有 token 的 value "
                           "做加权平均。权重 softmax(QKᵀ/√d) 就是注意力图：每个查询 token 一行、每个键 token 一列，"
                           "每行之和为 1。多头注意力并行计算多张这样的图。"},
    "attn.how": {"en": "How attention works", "zh": "注意力如何工作"},
    "attn.model": {"en": "Model", "zh": "模型"},
    "attn.layer": {"en": "Layer", "zh": "层"},
    "attn.head": {"en": "Head", "zh": "注意力头"},
    "attn.head_mean": {"en": "mean of heads", "zh": "各头平均"},
    "attn.head_max": {"en": "max of heads", "zh": "各头最大"},
    "attn.view": {"en": "View", "zh": "视图"},
    "attn.view.cls": {"en": "CLS attention", "zh": "CLS 注意力"},
    "attn.view.grid": {"en": "Layer × head grid", "zh": "层 × 头 网格"},
    "attn.view.patch": {"en": "Click a patch", "zh": "点击图块"},
    "attn.view.rollout": {"en": "Rollout", "zh": "注意力展开"},
    "attn.view.shapes": {"en": "Shapes & positions", "zh": "形状与位置"},
    "attn.scale": {"en": "Colour scale", "zh": "颜色标尺"},
    "attn.scale.map": {"en": "per map", "zh": "每张图"},
    "attn.scale.layer": {"en": "per layer", "zh": "每层"},
    "attn.scale.global": {"en": "global", "zh": "全局"},
    "attn.cmap": {"en": "Colour map", "zh": "配色"},
    "attn.alpha": {"en": "Overlay opacity", "zh": "叠加不透明度"},
    "attn.cls_caption": {"en": "Layer {layer}, {head}: attention of the CLS token to every patch "
                               "({share:.0%} of it went to prefix tokens, not shown).",
                         "zh": "第 {layer} 层，{head}：CLS token 对每个图块的注意力（其中 {share:.0%} 给了前缀 token，未显示）。"},
    "attn.grid_every": {"en": "The grid shows every layer and head at once.", "zh": "网格同时显示所有层和所有注意力头。"},
    "attn.grid_caption": {"en": "Rows: layers 0–{last}; columns: heads. Colour scale: {scale}.",
                          "zh": "行：第 0–{last} 层；列：注意力头。颜色标尺：{scale}。"},
    "attn.patch_help": {"en": "Click a patch on the left image; the right shows where it looks in layer {layer}.",
                        "zh": "在左图点击一个图块；右图显示它在第 {layer} 层看向哪里。"},
    "attn.patch_index": {"en": "Patch (row-major index)", "zh": "图块（行优先索引）"},
    "attn.patch_caption": {"en": "Patch {index} (row {row}, column {col}) in layer {layer}, {head}.",
                           "zh": "图块 {index}（第 {row} 行，第 {col} 列），第 {layer} 层，{head}。"},
    "attn.rollout_fusion": {"en": "Head fusion", "zh": "头融合方式"},
    "attn.rollout_discard": {"en": "Discard ratio (weakest weights dropped per row)",
                             "zh": "丢弃比例（每行丢弃最弱的权重）"},
    "attn.rollout_upto": {"en": "Roll out through layer", "zh": "Rollout 至第几层"},
    "attn.rollout_explain": {"en": "Rollout multiplies the layers' attention (heads fused, identity added for the "
                                   "residual path, rows renormalised) to trace how information flows from the "
                                   "patches into the CLS token.",
                             "zh": "Rollout 将各层注意力相乘（融合各头、为残差连接加上单位阵、每行重新归一化），"
                                   "追踪信息如何从图块流入 CLS token。"},
    "attn.rollout_na": {"en": "Rollout needs a constant number of tokens across layers.",
                        "zh": "Rollout 要求各层 token 数相同。"},
    "attn.shapes_title": {"en": "Tensor shapes of {model} on this input", "zh": "{model} 在此输入上的张量形状"},
    "attn.pos_title": {"en": "Position-embedding similarity", "zh": "位置编码相似度"},
    "attn.pos_explain": {"en": "Cosine similarity of each patch's learned position embedding with all others: "
                               "trained ViTs learn a 2-D neighbourhood structure from 1-D embeddings.",
                         "zh": "每个图块学到的位置编码与其他所有图块的余弦相似度：训练后的 ViT 会从一维编码中"
                               "学出二维邻域结构。"},
    "attn.pos_patch": {"en": "Reference patch", "zh": "参考图块"},
    "common.download_menu": {"en": "Download ({formats})", "zh": "下载（{formats}）"},
    "common.download_png": {"en": "Download PNG", "zh": "下载 PNG"},
    "common.download_csv": {"en": "Download CSV", "zh": "下载 CSV"},
    "common.download_json": {"en": "Download JSON", "zh": "下载 JSON"},
    "common.download_html": {"en": "Download HTML (interactive)", "zh": "下载 HTML（可交互）"},
    "common.download_svg": {"en": "Download SVG", "zh": "下载 SVG"},
    "common.input_view": {"en": "What the model sees ({h}×{w} px, {gh}×{gw} patches)",
                          "zh": "模型看到的图像（{h}×{w} 像素，{gh}×{gw} 个图块）"},
}


def _merge_page_catalogues() -> None:
    """Fold every ``vizcore.locale.<page>.STRINGS`` into STRINGS (keys must not collide)."""
    for info in pkgutil.iter_modules(locale.__path__):
        module = importlib.import_module(f"vizcore.locale.{info.name}")
        clash = set(module.STRINGS) & set(STRINGS)
        if clash:
            raise KeyError(f"strings defined twice: {sorted(clash)}")
        STRINGS.update(module.STRINGS)


_merge_page_catalogues()


def t(key: str, lang: str = "en", **fmt) -> str:
    """The string ``key`` in ``lang`` (English if missing), formatted with ``fmt``."""
    entry = STRINGS.get(key)
    if entry is None:
        raise KeyError(f"no string {key!r} in the catalogue")
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text
