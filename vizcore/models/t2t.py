"""T2T-ViT (Yuan et al., ICCV 2021): soft split + token modules, then a plain ViT backbone.

Structure and module names follow the official ``yitu-opensource/T2T-ViT`` code, so its checkpoints
(``*.pth.tar`` with ``state_dict`` / ``state_dict_ema``, ``module.`` prefixes or not) load strictly:
``tokens_to_token.{attention1, attention2, project}``, ``cls_token``, ``pos_embed`` (a fixed sinusoid
table, stored), ``blocks.N.*`` (timm ``Block``: ``norm1, attn.qkv (no bias), attn.proj, norm2, mlp.fc1,
mlp.fc2``), ``norm``, ``head``.

The image goes through three soft splits (``nn.Unfold``, default (7,4,2), (3,2,1), (3,2,1)); after the
first two a token module (one head, ``token_dim`` 64) re-structures the tokens:

- ``token_transformer`` (T2T-ViT_t-*): attention with the official quirks — qkv maps ``dim -> 64``, the
  scale is ``dim ** -0.5`` of the *input* width (147 / 576), the residual is ``v + proj(attn @ v)``;
- ``token_performer`` (T2T-ViT-*): the official positive-random-feature kernel (``prm_exp``) with the stored
  random projection ``w`` (a non-trainable parameter, saved and loaded: ``tokens_to_token.attention1.w``).

MAC convention (``analytic_macs`` and the trace): every Linear, every attention / kernel matmul (for the
performer: the two ``prm_exp`` projections, the normaliser ``D``, ``kp^T v`` and ``qp (kp^T v)``), the
projection to the embedding and the head. Unfold, norms, softmax, exp, GELU and adds are not counted —
the same ops ``torch.utils.flop_counter`` counts on the explicit path.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.layers import Mlp, trunc_normal_
from timm.models.vision_transformer import Block

from vizcore.geometry.flops import linear_macs, mlp_macs, vit_block_macs
from vizcore.geometry.unfold import (T2T_STAGES, overlap_count, soft_split_schedule, unfold_output_size,
                                     window_boxes)
from vizcore.models.registry import ModelSpec, register
from vizcore.models.vit import plain_blocks_forward
from vizcore.trace import Trace, TraceOutput

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: name -> (token module, embed_dim, depth, heads, mlp_ratio), from the official t2t_vit.py
T2T_CONFIGS = {
    "t2t_vit_7": ("performer", 256, 7, 4, 2.0),
    "t2t_vit_10": ("performer", 256, 10, 4, 2.0),
    "t2t_vit_12": ("performer", 256, 12, 4, 2.0),
    "t2t_vit_14": ("performer", 384, 14, 6, 3.0),
    "t2t_vit_19": ("performer", 448, 19, 7, 3.0),
    "t2t_vit_24": ("performer", 512, 24, 8, 3.0),
    "t2t_vit_t_14": ("transformer", 384, 14, 6, 3.0),
    "t2t_vit_t_19": ("transformer", 448, 19, 7, 3.0),
    "t2t_vit_t_24": ("transformer", 512, 24, 8, 3.0),
}
#: GMACs at 224 px as published (paper Table / DESIGN.md)
PUBLISHED_GMACS = {"t2t_vit_7": 1.1, "t2t_vit_10": 1.5, "t2t_vit_12": 1.8, "t2t_vit_14": 4.8, "t2t_vit_19": 8.5,
                   "t2t_vit_24": 13.8, "t2t_vit_t_14": 6.1, "t2t_vit_t_19": 9.8, "t2t_vit_t_24": 15.0}


def sinusoid_table(n_position: int, d_hid: int, device=None) -> torch.Tensor:
    """(1, n_position, d_hid) float32: the official ``get_sinusoid_encoding`` (computed in float64 as numpy
    does, with torch ops so it also builds on the meta device)."""
    pos = torch.arange(n_position, dtype=torch.float64, device=device).unsqueeze(1)
    j = torch.arange(d_hid, device=device)
    angle = pos / torch.pow(torch.tensor(10000.0, dtype=torch.float64, device=device),
                            (2 * torch.div(j, 2, rounding_mode="floor")).to(torch.float64) / d_hid)
    table = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.to(torch.float32).unsqueeze(0)


# ---------------------------------------------------------------------------------------- token modules
class TokenAttention(nn.Module):
    """The token transformer's attention (official ``token_transformer.Attention``): one head, qkv maps the
    unfolded width ``dim`` to ``in_dim``, scale ``dim ** -0.5`` and the skip connection through ``v``."""

    def __init__(self, dim: int, in_dim: int, num_heads: int = 1, qkv_bias: bool = False,
                 qk_scale: float | None = None, attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        if num_heads != 1:
            raise ValueError("the T2T token transformer has one head (the official reshape assumes it)")
        self.num_heads = num_heads
        self.in_dim = in_dim
        self.scale = qk_scale or (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, in_dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(in_dim, in_dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: torch.Tensor, need_probs: bool = False):
        """x: (B, N, dim) -> (B, N, in_dim), probs (B, 1, N, N) or None."""
        B, N, _ = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.in_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (B, 1, N, in_dim)
        probs = None
        if need_probs or (self.training and self.attn_drop.p > 0):
            attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(dim=-1)
            probs = attn
            out = self.attn_drop(attn) @ v
        else:
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        out = self.proj_drop(self.proj(out.transpose(1, 2).reshape(B, N, self.in_dim)))
        return v.squeeze(1) + out, (probs if need_probs else None)


class TokenTransformer(nn.Module):
    """Official ``Token_transformer``: ``x = attn(norm1(x)); x = x + mlp(norm2(x))`` (mlp_ratio 1)."""

    kind = "transformer"

    def __init__(self, dim: int, in_dim: int, num_heads: int = 1, mlp_ratio: float = 1.0):
        super().__init__()
        self.dim, self.emb = dim, in_dim
        self.norm1 = nn.LayerNorm(dim)
        self.attn = TokenAttention(dim, in_dim=in_dim, num_heads=num_heads)
        self.norm2 = nn.LayerNorm(in_dim)
        self.mlp = Mlp(in_features=in_dim, hidden_features=int(in_dim * mlp_ratio), out_features=in_dim,
                       act_layer=nn.GELU)

    def forward_attn(self, x: torch.Tensor, need_probs: bool = False, **_):
        y, probs = self.attn(self.norm1(x), need_probs=need_probs)
        return y + self.mlp(self.norm2(y)), probs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_attn(x)[0]

    def macs(self, tokens: int) -> float:
        e = self.emb
        return (linear_macs(tokens, self.dim, 3 * e) + 2.0 * tokens * tokens * e + linear_macs(tokens, e, e)
                + mlp_macs(tokens, e, self.mlp.fc1.out_features))


class TokenPerformer(nn.Module):
    """Official ``Token_performer``: linear-cost kernel attention with positive random features.

    ``w`` (m, emb) is a fixed orthogonal random projection scaled by sqrt(m); it is a parameter with
    ``requires_grad=False`` exactly as in the official code, so it is saved and must be loaded.
    """

    kind = "performer"

    def __init__(self, dim: int, in_dim: int, head_cnt: int = 1, kernel_ratio: float = 0.5,
                 dp1: float = 0.1, dp2: float = 0.1):
        super().__init__()
        self.dim = dim
        self.emb = in_dim * head_cnt
        self.kqv = nn.Linear(dim, 3 * self.emb)
        self.dp = nn.Dropout(dp1)
        self.proj = nn.Linear(self.emb, self.emb)
        self.head_cnt = head_cnt
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(self.emb)
        self.epsilon = 1e-8
        self.mlp = nn.Sequential(nn.Linear(self.emb, self.emb), nn.GELU(), nn.Linear(self.emb, self.emb),
                                 nn.Dropout(dp2))
        self.m = int(self.emb * kernel_ratio)
        w = torch.randn(self.m, self.emb)
        if not w.is_meta:
            w = nn.init.orthogonal_(w) * math.sqrt(self.m)
        self.w = nn.Parameter(w, requires_grad=False)

    def prm_exp(self, x: torch.Tensor) -> torch.Tensor:
        """Positive random features exp(w^T x - |x|^2 / 2) / sqrt(m). x: (B, T, emb) -> (B, T, m)."""
        xd = (x * x).sum(dim=-1, keepdim=True) / 2
        wtx = torch.einsum("bti,mi->btm", x.float(), self.w)
        return torch.exp(wtx - xd) / math.sqrt(self.m)

    def single_attn(self, x: torch.Tensor, need_probs: bool = False):
        k, q, v = torch.split(self.kqv(x), self.emb, dim=-1)
        kp, qp = self.prm_exp(k), self.prm_exp(q)  # (B, T, m)
        D = torch.einsum("bti,bi->bt", qp, kp.sum(dim=1)).unsqueeze(dim=2)  # (B, T, 1)
        kptv = torch.einsum("bin,bim->bnm", v.float(), kp)  # (B, emb, m)
        y = torch.einsum("bti,bni->btn", qp, kptv) / (D + self.epsilon)  # (B, T, emb)
        probs = None
        if need_probs:  # the implicit attention matrix: costs T*T*m MACs and (B, 1, T, T) memory
            probs = ((qp @ kp.transpose(1, 2)) / (D + self.epsilon)).unsqueeze(1)
        return v + self.dp(self.proj(y)), probs

    def forward_attn(self, x: torch.Tensor, need_probs: bool = False, **_):
        y, probs = self.single_attn(self.norm1(x), need_probs=need_probs)
        return y + self.mlp(self.norm2(y)), probs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_attn(x)[0]

    def macs(self, tokens: int) -> float:
        e, m = self.emb, self.m
        kernel = 2.0 * tokens * e * m + tokens * m + 2.0 * tokens * e * m  # prm_exp(q, k), D, kp^T v, qp(.)
        return (linear_macs(tokens, self.dim, 3 * e) + kernel + linear_macs(tokens, e, e)
                + mlp_macs(tokens, e, e))


class T2TModule(nn.Module):
    """Tokens-to-token: soft split -> token module -> re-structurize, twice; a third split and ``project``."""

    def __init__(self, tokens_type: str = "performer", in_chans: int = 3, embed_dim: int = 768,
                 token_dim: int = 64, soft_split: Sequence[Sequence[int]] = T2T_STAGES, kernel_ratio: float = 0.5):
        super().__init__()
        stages = [tuple(int(v) for v in s) for s in soft_split]
        if len(stages) != 3 or any(len(s) != 3 for s in stages):
            raise ValueError("soft_split needs three (kernel, stride, padding) stages")
        self.stages = stages
        self.tokens_type = tokens_type
        self.token_dim = token_dim
        for i, (k, s, p) in enumerate(stages):
            setattr(self, f"soft_split{i}", nn.Unfold(kernel_size=(k, k), stride=(s, s), padding=(p, p)))
        d0 = in_chans * stages[0][0] ** 2
        d1 = token_dim * stages[1][0] ** 2
        d2 = token_dim * stages[2][0] ** 2
        if tokens_type == "transformer":
            self.attention1 = TokenTransformer(dim=d0, in_dim=token_dim, num_heads=1, mlp_ratio=1.0)
            self.attention2 = TokenTransformer(dim=d1, in_dim=token_dim, num_heads=1, mlp_ratio=1.0)
        elif tokens_type == "performer":
            self.attention1 = TokenPerformer(dim=d0, in_dim=token_dim, kernel_ratio=kernel_ratio)
            self.attention2 = TokenPerformer(dim=d1, in_dim=token_dim, kernel_ratio=kernel_ratio)
        else:
            raise ValueError(f"tokens_type must be 'performer' or 'transformer', not {tokens_type!r}")
        self.project = nn.Linear(d2, embed_dim)

    def run(self, x: torch.Tensor, need_probs: bool = False, performer_attn: bool = False):
        """x: (B, C, H, W) -> tokens (B, L2, embed), [probs1, probs2], [(B, L, token_dim) outputs], grids."""
        B = x.shape[0]
        grids = []
        hw = tuple(x.shape[-2:])
        outs, probs = [], []
        modules = (self.attention1, self.attention2)
        for i in range(3):
            k, s, p = self.stages[i]
            hw = unfold_output_size(hw, k, s, p)
            grids.append(hw)
            x = getattr(self, f"soft_split{i}")(x).transpose(1, 2)  # (B, L, C*k*k)
            if i == 2:
                break
            mod = modules[i]
            want = need_probs and (mod.kind == "transformer" or performer_attn)
            x, a = mod.forward_attn(x, need_probs=want)
            probs.append(a)
            outs.append(x)
            x = x.transpose(1, 2).reshape(B, x.shape[-1], hw[0], hw[1])
        return self.project(x), probs, outs, grids

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[0]


class _QScale(nn.Module):
    """Multiplies q by a constant: lets a timm Attention use a non-standard qk scale on both its fused and
    its explicit path (and in ``vizcore.models.vit.attention_forward``). No parameters."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = float(factor)

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        return q * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor:.6g}"


# ---------------------------------------------------------------------------------------- the model
class T2TViT(nn.Module):
    """T2T-ViT with ``forward`` (logits) and ``forward_trace`` (logits + Trace).

    qk_scale: attention scale of the backbone. ``None`` (default) = head_dim ** -0.5, what the official
    code uses when it trains and when its README evaluates a checkpoint (``pretrained=False``); ``"embed"``
    = embed_dim ** -0.5, what the official factory sets under ``pretrained=True`` (copied from an old timm
    ViT-S); or a float.
    """

    family = "t2t"

    def __init__(self, img_size=224, tokens_type: str = "performer", in_chans: int = 3, num_classes: int = 1000,
                 embed_dim: int = 768, depth: int = 12, num_heads: int = 12, mlp_ratio: float = 4.0,
                 qkv_bias: bool = False, qk_scale: float | str | None = None, drop_rate: float = 0.0,
                 attn_drop_rate: float = 0.0, drop_path_rate: float = 0.0, token_dim: int = 64,
                 soft_split: Sequence[Sequence[int]] = T2T_STAGES, kernel_ratio: float = 0.5):
        super().__init__()
        self.num_classes = num_classes
        self.num_features = self.embed_dim = embed_dim
        self.in_chans = in_chans
        self.default_img_size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        self.tokens_to_token = T2TModule(tokens_type, in_chans, embed_dim, token_dim, soft_split, kernel_ratio)
        self.soft_split_stages = self.tokens_to_token.stages
        grid = self.grid_for(self.default_img_size)
        self.num_patches = grid[0] * grid[1]
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(sinusoid_table(self.num_patches + 1, embed_dim), requires_grad=False)
        self.pos_drop = nn.Dropout(p=drop_rate)
        dpr = [v.item() for v in torch.linspace(0, drop_path_rate, depth, device="cpu")]
        self.blocks = nn.ModuleList([
            Block(dim=embed_dim, num_heads=num_heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                  proj_drop=drop_rate, attn_drop=attn_drop_rate, drop_path=dpr[i], norm_layer=nn.LayerNorm,
                  act_layer=nn.GELU)
            for i in range(depth)])
        head_dim = embed_dim // num_heads
        if qk_scale == "embed":
            qk_scale = embed_dim ** -0.5
        elif isinstance(qk_scale, str):
            raise ValueError(f"qk_scale must be None, 'embed' or a float, not {qk_scale!r}")
        self.qk_scale = float(qk_scale) if qk_scale else head_dim ** -0.5
        if qk_scale and abs(self.qk_scale - head_dim ** -0.5) > 1e-12:
            for blk in self.blocks:
                blk.attn.q_norm = _QScale(self.qk_scale / blk.attn.scale)
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes) if num_classes > 0 else nn.Identity()
        if not self.cls_token.is_meta:
            trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)
        self.pretrained_cfg = {"input_size": (in_chans, *self.default_img_size), "crop_pct": 0.9,
                               "interpolation": "bicubic", "mean": IMAGENET_MEAN, "std": IMAGENET_STD,
                               "classifier": "head"}

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if getattr(m, "weight", None) is not None and m.weight.is_meta:
            return  # a structure on the meta device (registry.build_meta) has no values: init is ~1 s of meta ops
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.LayerNorm):
            nn.init.constant_(m.bias, 0)
            nn.init.constant_(m.weight, 1.0)

    # ------------------------------------------------------------------ geometry
    @property
    def tokens_type(self) -> str:
        return self.tokens_to_token.tokens_type

    def grid_for(self, img_size) -> tuple[int, int]:
        hw = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        for k, s, p in self.soft_split_stages:
            hw = unfold_output_size(hw, k, s, p)
        return hw

    @property
    def grid(self) -> tuple[int, int]:
        return self.grid_for(self.default_img_size)

    def soft_split_info(self, img_size=None) -> list[dict]:
        """Per soft split: kernel, stride, padding, in_hw, out_hw, tokens, token_dim."""
        return soft_split_schedule(img_size or self.default_img_size, self.soft_split_stages, self.in_chans,
                                   self.tokens_to_token.token_dim)

    def soft_split_geometry(self, img_size=None) -> list[dict]:
        """``soft_split_info`` plus, per split, every window's box (L, 4) ``(y0, x0, y1, x1)`` in that split's
        input pixels (unclipped: the padding shows) and the overlap count per input pixel (H, W)."""
        info = self.soft_split_info(img_size)
        for stage in info:
            k, s, p = stage["kernel"], stage["stride"], stage["padding"]
            stage["windows"] = window_boxes(stage["in_hw"], k, s, p, clip=False)
            stage["overlap"] = overlap_count(stage["in_hw"], k, s, p)
        return info

    def _pos(self, n_tokens: int, like: torch.Tensor) -> torch.Tensor:
        if n_tokens == self.pos_embed.shape[1]:
            return self.pos_embed
        # another input size: the table is a fixed function of the position, so compute it for this length
        return sinusoid_table(n_tokens, self.embed_dim, device=like.device).to(like.dtype)

    # ------------------------------------------------------------------ forward paths
    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.tokens_to_token(x)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = self.pos_drop(x + self._pos(x.shape[1], x))
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        x = x[:, 0]
        return x if pre_logits else self.head(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def forward_trace(self, x: torch.Tensor, attn: bool = False, performer_attn: bool = False,
                      **_unused) -> TraceOutput:
        """x: (B, 3, H, W) -> logits and the Trace.

        Layers: "T2T 1", "T2T 2" (the token modules, on 3136 and 784 tokens at 224 px), then the blocks.
        ``attn``: attention maps of the blocks and of the token transformer (B, 1, N, N); the performer has
        no explicit matrix, so its entries are None unless ``performer_attn`` also asks for its implicit
        kernel attention (costs N*N*m MACs and memory: 3136^2 floats per image at 224 px).
        extras: ``soft_split`` (per split kernel, stride, padding, in_hw, out_hw, tokens, token_dim),
        ``t2t_norms`` ((B, h, w) channel-L2 norm of each token module's output on its grid), ``token_module``.
        """
        B = x.shape[0]
        img_hw = tuple(x.shape[-2:])
        tokens, probs_t2t, outs, grids = self.tokens_to_token.run(x, need_probs=attn, performer_attn=performer_attn)
        x = torch.cat((self.cls_token.expand(B, -1, -1), tokens), dim=1)
        x = self.pos_drop(x + self._pos(x.shape[1], x))
        x, block_maps = plain_blocks_forward(self.blocks, x, need_probs=attn)
        attn_maps: list[torch.Tensor | None] = [*probs_t2t, *block_maps]
        x = self.norm(x)
        logits = self.forward_head(x)
        n_tokens, macs, other = self.analytic_macs(img_size=img_hw)
        norms = [o.norm(dim=-1).reshape(B, *g) for o, g in zip(outs, grids[:2])]
        trace = Trace(grid=grids[-1], prefix=1, attn=attn_maps if attn else [], tokens_per_layer=n_tokens,
                      macs_per_layer=macs, macs_other=other,
                      layer_names=["T2T 1", "T2T 2"] + [f"block {i}" for i in range(len(self.blocks))],
                      extras={"soft_split": self.soft_split_geometry(img_hw), "t2t_norms": norms,
                              "token_module": self.tokens_type})
        return TraceOutput(logits, trace)

    # ------------------------------------------------------------------ analytic cost
    def analytic_macs(self, img_size=None) -> tuple[list[int], list[float], float]:
        """(tokens entering each layer, MACs per layer, MACs outside the layers) for one image.

        Layers are the two token modules and the blocks; "other" is the projection to the embedding and
        the head (unfold moves data and costs no MACs)."""
        info = self.soft_split_info(img_size)
        t2t = self.tokens_to_token
        n = info[2]["tokens"] + 1
        blk = self.blocks[0]
        attn_dim = blk.attn.num_heads * blk.attn.head_dim
        hidden = blk.mlp.fc1.out_features
        tokens = [info[0]["tokens"], info[1]["tokens"]] + [n] * len(self.blocks)
        macs = [t2t.attention1.macs(info[0]["tokens"]), t2t.attention2.macs(info[1]["tokens"])]
        macs += [vit_block_macs(n, n, self.embed_dim, hidden, attn_dim)] * len(self.blocks)
        other = linear_macs(info[2]["tokens"], info[2]["token_dim"], self.embed_dim)
        if self.num_classes:
            other += linear_macs(1, self.embed_dim, self.num_classes)
        return tokens, macs, float(other)


# ---------------------------------------------------------------------------------------- registry
def build_t2t(name: str, **options) -> T2TViT:
    tokens_type, embed_dim, depth, heads, mlp_ratio = T2T_CONFIGS[name]
    kwargs = dict(tokens_type=tokens_type, embed_dim=embed_dim, depth=depth, num_heads=heads, mlp_ratio=mlp_ratio)
    kwargs.update(options)
    return T2TViT(**kwargs)


def t2t_key_map(state: dict) -> dict:
    """Official checkpoint keys -> ours: identical names; strips ``module.`` prefixes key by key (files
    saved from DataParallel / DDP, even when only some keys carry it)."""
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in state.items()}


for _name, (_tt, _e, _d, _h, _r) in T2T_CONFIGS.items():
    _label = "T2T-ViT" + ("_t-" if _tt == "transformer" else "-") + _name.rsplit("_", 1)[1]
    register(ModelSpec(
        name=_name, family="t2t",
        builder=lambda _n=_name, **o: build_t2t(_n, **o),
        key_map=t2t_key_map,
        description=(f"{_label}: soft split (7,4,2)/(3,2,1)/(3,2,1) with a token {_tt} (one head, dim 64), "
                     f"then a ViT backbone (dim {_e}, depth {_d}, {_h} heads, MLP x{_r:g}); 14x14 grid + CLS "
                     f"at 224 px. Published {PUBLISHED_GMACS[_name]} GMACs."),
        paper="Yuan et al., Tokens-to-Token ViT: Training Vision Transformers from Scratch on ImageNet, ICCV 2021"))

__all__ = ["T2TViT", "T2TModule", "TokenTransformer", "TokenPerformer", "TokenAttention", "T2T_CONFIGS",
           "PUBLISHED_GMACS", "build_t2t", "t2t_key_map", "sinusoid_table"]
