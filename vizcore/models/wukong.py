"""WuKong's TokenReduction (Gu et al., Wukong: A 100 Million Large-scale Chinese Cross-modal Pre-training
Benchmark, NeurIPS 2022 D&B) on a traceable ViT image encoder.

``TokenReduction`` is the module of ``huawei-noah/Pretrained-Language-Model/Noah_WuKong/model/modules.py``:
LayerNorm -> grouped 1x1 conv C->C (8 groups, no bias) -> 1x1 conv C->T (no bias) -> softmax over the
H·W positions = T spatial maps; features = grouped 1x1 conv of the *un-normalised* input; output
``einsum("...si,...id->...sd", maps, feats)`` (B, T, C). Module names ``norm``, ``attention_maps.{0,1}``,
``feat_conv`` match the official keys ``visual.token_reduction.*`` (older files: ``token_learner``).

``WuKongViT`` is the WuKong image tower as a ``vizcore.models.vit.ViT`` (CLIP-style: bias-free patch
conv, ``ln_pre``, QuickGELU, LayerNorm eps 1e-5), so its attention can be traced. As in WuKong, the final
norm (``ln_post``) and the projection to the joint embedding (``proj``, width -> 256, no bias) are applied,
the CLS token is dropped and the patch grid (7x7 for ViT-B/32 at 224 px) goes through TokenReduction with
T = 12. WuKong itself has no classifier (it scores images against texts token-wise, FILIP style); here a
linear probe makes the contract's logits: **mean of the T reduced tokens, then Linear(256, classes)**.
``late_interaction_cost`` and ``token_wise_similarity`` give the cost and the score of WuKong's
image-text matching with and without the reduction.

Checkpoints: ``wukong_key_map`` takes a full WuKong file (``state_dict`` with ``visual.*`` keys; text
tower and loss keys are dropped) to ours. Such a file has no classifier: ``head.*`` must come with it
(a probe trained here), otherwise the strict load reports the head as missing.

MAC convention: everything the ViT counts (patch conv, qkv, attention matmuls, proj, MLP), the
projection to 256 and the head in "other", and for the "reduce" layer the three 1x1 convs (grouped ones
at C·C/8 per position) and the einsum (T·N·C). LayerNorm and softmax are not counted.
"""
from __future__ import annotations

import math
from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.layers import QuickGELU

from vizcore.geometry.flops import conv2d_macs, linear_macs
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import ViT, plain_blocks_forward
from vizcore.trace import Stage, Trace, TraceOutput

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

#: name -> (patch, width, depth, heads, output_dim, num_tokens), from the official configs
WUKONG_CONFIGS = {
    "wukong_vit_b32": (32, 768, 12, 12, 256, 12),
    "wukong_vit_l14": (14, 1024, 24, 16, 256, 24),
}


class TokenReduction(nn.Module):
    """WuKong's TokenReduction: (B, H, W, C) -> reduced tokens (B, T, C) and maps (B, T, H·W).

    ``forward`` returns ``(outputs, maps)`` like the official module (whose softmaxed ``selected`` is the
    second output); the maps are probabilities over the H·W positions (each row sums to 1).
    """

    def __init__(self, in_channels: int, num_tokens: int, num_groups: int = 8, dropout_rate: float = 0.0):
        super().__init__()
        self.in_channels = in_channels
        self.num_tokens = num_tokens
        self.num_groups = num_groups
        self.norm = nn.LayerNorm(in_channels)
        self.attention_maps = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0, groups=num_groups, bias=False),
            nn.Conv2d(in_channels, num_tokens, kernel_size=1, stride=1, padding=0, bias=False),
        )
        self.feat_conv = nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0,
                                   groups=num_groups, bias=False)
        self.dropout = nn.Dropout(dropout_rate)
        for m in self.modules():  # mmcv kaiming_init: kaiming normal, fan_out, relu
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def maps(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, H, W, C) -> (B, T, H·W) softmax maps."""
        B, H, W, _ = inputs.shape
        selected = self.norm(inputs).permute(0, 3, 1, 2)
        selected = self.attention_maps(selected).permute(0, 2, 3, 1).reshape(B, H * W, -1)
        return F.softmax(selected.permute(0, 2, 1), dim=-1)

    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, H, W, C) -> (B, H·W, C): the grouped 1x1 conv of the un-normalised input."""
        B, H, W, C = inputs.shape
        feat = self.feat_conv(inputs.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return feat.reshape(B, H * W, -1)

    def forward(self, inputs: torch.Tensor):
        selected = self.maps(inputs)
        feat = self.features(inputs)
        outputs = self.dropout(torch.einsum("...si,...id->...sd", selected, feat))
        return outputs, selected

    def macs(self, positions: int) -> float:
        c, t, g = self.in_channels, self.num_tokens, self.num_groups
        return (conv2d_macs(positions, c, c, 1, g) + conv2d_macs(positions, c, t, 1)
                + conv2d_macs(positions, c, c, 1, g) + float(t * positions * c))


class LateInteractionHead(nn.Module):
    """Classes as learned "text" tokens, scored the way WuKong scores an image against a caption:
    reduced image tokens (B, T, D) -> logits (B, C).

    Each class has ``queries`` tokens (C, M, D); a class's score is the mean over its tokens of the best cosine
    similarity with any image token (WuKong's text-to-image token-wise similarity), times a learned scale.
    Because every class token takes its *best* image token, the T maps gain from pooling different objects."""

    def __init__(self, dim: int, num_classes: int, queries: int = 2, init_scale: float = 1 / 0.07):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_classes, queries, dim) * 0.02)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(init_scale)))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        _, text_to_image = token_wise_similarity(tokens, self.queries)  # (B, C)
        return self.logit_scale.exp() * text_to_image

    def macs(self, num_tokens: int) -> int:
        """Similarities T x C x M, each a dot product of width D."""
        c, m, d = self.queries.shape
        return num_tokens * c * m * d


class WuKongViT(ViT):
    """WuKong image tower (timm ViT, traceable) + projection + TokenReduction + linear probe."""

    family = "wukong"

    def __init__(self, img_size: int = 224, patch_size: int = 32, embed_dim: int = 768, depth: int = 12,
                 num_heads: int = 12, output_dim: int = 256, num_tokens: int = 12, num_groups: int = 8,
                 num_classes: int = 1000, head: str = "linear", head_queries: int = 2, **timm_kwargs):
        kwargs = dict(img_size=img_size, patch_size=patch_size, embed_dim=embed_dim, depth=depth,
                      num_heads=num_heads, num_classes=0, pre_norm=True, act_layer=QuickGELU,
                      norm_layer=partial(nn.LayerNorm, eps=1e-5))
        kwargs.update(timm_kwargs)
        super().__init__(**kwargs)
        self.output_dim = output_dim
        self.proj = nn.Linear(embed_dim, output_dim, bias=False)
        self.token_reduction = TokenReduction(output_dim, num_tokens, num_groups)
        self.num_classes = num_classes
        if head not in ("linear", "late"):
            raise ValueError(f"head must be 'linear' (a probe on the mean reduced token) or 'late', not {head!r}")
        #: "linear": a probe on the mean of the T tokens; "late": :class:`LateInteractionHead` over the T tokens
        self.head_kind = head if num_classes > 0 else "linear"
        if num_classes <= 0:
            self.head = nn.Identity()
        elif head == "late":
            self.head = LateInteractionHead(output_dim, num_classes, head_queries)
        else:
            self.head = nn.Linear(output_dim, num_classes)
            nn.init.trunc_normal_(self.head.weight, std=0.02)
            nn.init.zeros_(self.head.bias)
        self.default_img_size = tuple(self.patch_embed.img_size)
        self.pretrained_cfg = {"input_size": (3, *self.default_img_size), "crop_pct": 1.0,
                               "interpolation": "bicubic", "mean": CLIP_MEAN, "std": CLIP_STD}

    @property
    def num_tokens(self) -> int:
        return self.token_reduction.num_tokens

    def reduce(self, x: torch.Tensor):
        """Final-normed tokens (B, prefix + h·w, width) -> reduced (B, T, out), maps (B, T, h·w)."""
        B = x.shape[0]
        h, w = self.grid
        patches = self.proj(x[:, self.num_prefix_tokens:])  # (B, h*w, out)
        return self.token_reduction(patches.reshape(B, h, w, self.output_dim))

    def classify(self, reduced: torch.Tensor) -> torch.Tensor:
        """Reduced tokens (B, T, out) -> logits (B, classes) by the model's head."""
        return self.head(reduced) if self.head_kind == "late" else self.head(reduced.mean(dim=1))

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        reduced = self.reduce(x)[0]
        return reduced.mean(dim=1) if pre_logits else self.classify(reduced)

    def forward_trace(self, x: torch.Tensor, attn: bool = False, **_unused) -> TraceOutput:
        """x: (B, 3, H, W) -> logits and the Trace: the ViT blocks, then a "reduce" layer with T tokens.

        ``stages``: one Stage(kind="reduce", layer=last, source=maps (B, T, h·w)); extras:
        ``token_maps`` (B, T, h, w) summing to 1 over h·w, ``reduced_tokens`` (B, T, out),
        ``patch_embeddings`` (B, h·w, out) (the projected grid the maps pool).
        """
        B = x.shape[0]
        h, w = self.grid
        x = self.norm_pre(self.patch_drop(self._pos_embed(self.patch_embed(x))))
        x, attn_maps = plain_blocks_forward(self.blocks, x, need_probs=attn)
        x = self.norm(x)
        patches = self.proj(x[:, self.num_prefix_tokens:])
        reduced, maps = self.token_reduction(patches.reshape(B, h, w, self.output_dim))
        logits = self.classify(reduced)
        tokens, macs, other = self.analytic_macs()
        stage = Stage(layer=len(tokens) - 1, kind="reduce", source=maps,
                      extras={"num_tokens": self.num_tokens})
        trace = Trace(grid=(h, w), prefix=self.num_prefix_tokens, attn=attn_maps + [None] if attn else [],
                      stages=[stage], tokens_per_layer=tokens, macs_per_layer=macs, macs_other=other,
                      layer_names=[f"block {i}" for i in range(len(self.blocks))] + ["reduce"],
                      extras={"token_maps": maps.reshape(B, -1, h, w), "reduced_tokens": reduced,
                              "patch_embeddings": patches})
        return TraceOutput(logits, trace)

    def analytic_macs(self, reducer=None) -> tuple[list[int], list[float], float]:
        """(tokens per layer, MACs per layer, other) — the ViT blocks plus the "reduce" layer (T tokens)."""
        tokens, macs, other = super().analytic_macs()
        n = self.patch_embed.num_patches
        other -= self.embed_dim * self.num_classes if self.num_classes else 0  # ViT counted its head on width
        other += linear_macs(n, self.embed_dim, self.output_dim)
        if self.num_classes:
            other += self.head.macs(self.num_tokens) if self.head_kind == "late" else \
                linear_macs(1, self.output_dim, self.num_classes)
        return list(tokens) + [self.num_tokens], list(macs) + [self.token_reduction.macs(n)], float(other)


# ---------------------------------------------------------------------------------------- interaction cost
def late_interaction_cost(num_image_tokens: int = 49, num_text_tokens: int = 32, num_reduced: int = 12,
                          dim: int = 256, num_pairs: int = 1) -> dict:
    """Token-wise (FILIP-style) late interaction: every image token is compared with every text token.

    Returns similarity counts N×M (full) vs T×M (after TokenReduction), the MACs (× dim) and the ratio,
    for ``num_pairs`` image-text pairs (a batch of B images x B texts has B*B pairs).
    """
    full = num_image_tokens * num_text_tokens * num_pairs
    reduced = num_reduced * num_text_tokens * num_pairs
    return {"full_similarities": full, "reduced_similarities": reduced,
            "full_macs": full * dim, "reduced_macs": reduced * dim,
            "ratio": reduced / full if full else float("nan"),
            "image_tokens": num_image_tokens, "reduced_tokens": num_reduced, "text_tokens": num_text_tokens,
            "dim": dim, "pairs": num_pairs}


def token_wise_similarity(image_tokens: torch.Tensor, text_tokens: torch.Tensor,
                          text_mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """FILIP / WuKong token-wise score between every image and every text.

    image_tokens (I, N, D), text_tokens (J, M, D), text_mask (J, M) bool (True = real token).
    Tokens are L2-normalised; image->text: each image token takes its best text token, averaged over the
    image tokens; text->image: each (unmasked) text token takes its best image token, averaged.
    Returns (I, J) image-to-text and (I, J) text-to-image scores.
    """
    img = F.normalize(image_tokens, dim=-1)
    txt = F.normalize(text_tokens, dim=-1)
    sim = torch.einsum("ind,jmd->ijnm", img, txt)  # (I, J, N, M)
    if text_mask is None:
        text_mask = torch.ones(txt.shape[:2], dtype=torch.bool, device=txt.device)
    mask = text_mask[None, :, None, :]
    i2t = sim.masked_fill(~mask, float("-inf")).amax(dim=-1).mean(dim=-1)
    t2i = (sim.amax(dim=2) * text_mask[None]).sum(-1) / text_mask.sum(-1).clamp_min(1)[None]
    return i2t, t2i


# ---------------------------------------------------------------------------------------- checkpoints
_BLOCK_SWAPS = (("ln_1.", "norm1."), ("ln_2.", "norm2."), ("attn.in_proj_weight", "attn.qkv.weight"),
                ("attn.in_proj_bias", "attn.qkv.bias"), ("attn.out_proj.", "attn.proj."),
                ("mlp.c_fc.", "mlp.fc1."), ("mlp.c_proj.", "mlp.fc2."))
_OURS_PREFIXES = ("patch_embed.", "cls_token", "pos_embed", "norm_pre.", "blocks.", "norm.", "proj.",
                  "token_reduction.", "head.")


def wukong_key_map(state: dict) -> dict:
    """A WuKong checkpoint (``visual.*`` keys, CLIP layout; ``token_reduction`` or the older
    ``token_learner``) -> our keys. Text-tower and loss keys are dropped; ``head.*`` passes through; keys
    already in our layout pass through (``token_learner.*`` renamed)."""
    out = {}
    for k, v in state.items():
        if k.startswith("module."):
            k = k[len("module."):]
        k = k.replace("token_learner.", "token_reduction.")
        if k.startswith(_OURS_PREFIXES):
            out[k] = v
            continue
        if not k.startswith("visual."):
            continue  # text tower, logit scale, loss
        n = k[len("visual."):]
        if n.startswith("token_reduction."):
            out[n] = v
        elif n == "conv1.weight":
            out["patch_embed.proj.weight"] = v
        elif n == "class_embedding":
            out["cls_token"] = v.reshape(1, 1, -1)
        elif n == "positional_embedding":
            out["pos_embed"] = v.unsqueeze(0)
        elif n.startswith("ln_pre."):
            out["norm_pre." + n[len("ln_pre."):]] = v
        elif n.startswith("ln_post."):
            out["norm." + n[len("ln_post."):]] = v
        elif n == "proj":
            out["proj.weight"] = v.t().contiguous()
        elif n.startswith("transformer.resblocks."):
            n = "blocks." + n[len("transformer.resblocks."):]
            for a, b in _BLOCK_SWAPS:
                n = n.replace(a, b)
            out[n] = v
        else:
            out["visual." + n] = v  # unknown: left for the strict load to report
    return out


def wukong_to_official(state: dict) -> dict:
    """Ours -> WuKong's ``visual.*`` layout (``head.*`` kept: WuKong has no classifier)."""
    out = {}
    for k, v in state.items():
        if k.startswith("head."):
            out[k] = v
        elif k == "patch_embed.proj.weight":
            out["visual.conv1.weight"] = v
        elif k == "cls_token":
            out["visual.class_embedding"] = v.reshape(-1)
        elif k == "pos_embed":
            out["visual.positional_embedding"] = v.squeeze(0)
        elif k.startswith("norm_pre."):
            out["visual.ln_pre." + k[len("norm_pre."):]] = v
        elif k.startswith("norm."):
            out["visual.ln_post." + k[len("norm."):]] = v
        elif k == "proj.weight":
            out["visual.proj"] = v.t().contiguous()
        elif k.startswith("blocks."):
            n = "transformer.resblocks." + k[len("blocks."):]
            for a, b in _BLOCK_SWAPS:
                n = n.replace(b, a)
            out["visual." + n] = v
        else:  # token_reduction.*
            out["visual." + k] = v
    return out


def build_wukong(name: str = "wukong_vit_b32", **options) -> WuKongViT:
    patch, width, depth, heads, out_dim, t = WUKONG_CONFIGS[name]
    kwargs = dict(patch_size=patch, embed_dim=width, depth=depth, num_heads=heads, output_dim=out_dim,
                  num_tokens=t)
    kwargs.update(options)
    return WuKongViT(**kwargs)


register(ModelSpec(
    name="wukong_vit_b32", family="wukong",
    builder=lambda **o: build_wukong("wukong_vit_b32", **o),
    key_map=wukong_key_map, to_official=wukong_to_official,
    description=("WuKong ViT-B/32 image tower (7x7 grid at 224 px) with TokenReduction: 49 patch tokens -> "
                 "T=12 learned soft spatial maps after the final norm and projection (256-d); classifier = "
                 "mean of the 12 tokens + Linear (a probe: WuKong itself matches texts token-wise)."),
    paper="Gu et al., Wukong: A 100 Million Large-scale Chinese Cross-modal Pre-training Benchmark, NeurIPS 2022"))

__all__ = ["LateInteractionHead", "TokenReduction", "WuKongViT", "WUKONG_CONFIGS", "build_wukong", "late_interaction_cost",
           "token_wise_similarity", "wukong_key_map", "wukong_to_official"]
