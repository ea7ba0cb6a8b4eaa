"""Analytic multiply-accumulate counts (nanoGPT style) and a counted cross-check.

All figures are MACs for one image; "GMACs" is what papers call GFLOPs for these models.
"""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode


def linear_macs(tokens: int, d_in: int, d_out: int) -> float:
    """A Linear layer applied to ``tokens`` vectors."""
    return float(tokens * d_in * d_out)


def attention_macs(tokens: int, dim: int, attn_dim: int | None = None, qkv: bool = True) -> float:
    """Multi-head self-attention on N tokens: qkv projection, QK^T, AV and the output projection."""
    a = attn_dim or dim
    proj_in = linear_macs(tokens, dim, 3 * a) if qkv else 0.0
    return proj_in + 2.0 * tokens * tokens * a + linear_macs(tokens, a, dim)


def mlp_macs(tokens: int, dim: int, hidden: int) -> float:
    return linear_macs(tokens, dim, hidden) + linear_macs(tokens, hidden, dim)


def vit_block_macs(tokens_attn: int, tokens_mlp: int, dim: int, hidden: int, attn_dim: int | None = None) -> float:
    """One pre-norm transformer block whose MLP may see fewer tokens than its attention (EViT, ToMe)."""
    return attention_macs(tokens_attn, dim, attn_dim) + mlp_macs(tokens_mlp, dim, hidden)


def counted_macs(model: torch.nn.Module, x: torch.Tensor, fn=None) -> float:
    """MACs counted by torch's FlopCounterMode for ``fn(x)`` (default ``model(x)``), per image.

    Fused attention (scaled_dot_product_attention) is counted by torch too, but run the explicit
    path (e.g. ``forward_trace(x, attn=True)``) when you want every matmul visible.
    """
    fn = fn or model
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        fn(x)
    return counter.get_total_flops() / 2.0 / x.shape[0]


def conv2d_macs(out_positions: int, c_in: int, c_out: int, kernel: int | tuple[int, int] = 1,
                groups: int = 1) -> float:
    """A Conv2d producing ``out_positions`` output pixels (bias adds not counted, as FlopCounterMode)."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return float(out_positions * c_out * (c_in // groups) * kh * kw)
