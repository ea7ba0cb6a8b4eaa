"""Strings of the Attention page (``attn.*``) that its pictures and captions add; the page's other strings
are still in ``vizcore.i18n``."""

STRINGS = {
    # words Pillow draws into the layer x head picture: its font has Latin letters only
    "attn.grid_row": {"en": "layer {layer}", "zh": "L{layer}"},
    "attn.grid_col": {"en": "head {head}", "zh": "H{head}"},
    # colour bars: the browser writes these under the bar
    "attn.bar.attention": {"en": "attention weight", "zh": "注意力权重"},
    "attn.bar.rollout": {"en": "rollout weight", "zh": "Rollout 权重"},
    "attn.bar.cosine": {"en": "cosine similarity", "zh": "余弦相似度"},
    "attn.rollout_caption": {"en": "Rollout through layers 0–{upto}, heads fused by {fusion}, discard ratio "
                                   "{discard:.2f}",
                             "zh": "Rollout 经过第 0–{upto} 层，头融合方式 {fusion}，丢弃比例 {discard:.2f}"},
    "attn.pos_caption": {"en": "cos(pos[{index}], pos[·]): patch {index} against every patch",
                         "zh": "cos(pos[{index}], pos[·])：图块 {index} 与每个图块"},
    "attn.atlas_caption": {"en": "{h}×{w} small maps: every patch against every patch",
                           "zh": "{h}×{w} 张小图：每个图块与每个图块"},
}
