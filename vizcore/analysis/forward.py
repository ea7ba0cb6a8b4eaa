"""One traced forward pass as the pages and views run it: no autograd, on the thread count its size calls
for (``device.threads_for``), results moved to the CPU."""
from __future__ import annotations

import torch

from vizcore.device import threads_for


def traced_forward(model, pixels: torch.Tensor, work: float, seed: int | None = None, **kwargs):
    """(logits (B, classes) float32 on the CPU, Trace on the CPU) of ``model.forward_trace(pixels, **kwargs)``.

    pixels (B, 3, H, W); work: multiply-accumulates per image (picks the thread count); seed: seeds a
    generator for stochastic reducers (Gumbel draws, random drop), None for the reducer's own default."""
    device = next(model.parameters()).device
    if seed is not None:
        kwargs["generator"] = torch.Generator(device=device).manual_seed(seed)
    with torch.inference_mode(), threads_for(work * pixels.shape[0], device):
        out = model.forward_trace(pixels.to(device), **kwargs)
    return out.logits.float().cpu(), out.trace.to("cpu")
