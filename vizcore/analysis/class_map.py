"""Class activation maps through the ``grad-cam`` package (pytorch-grad-cam), on a shared model.

``class_map(network, layer, pixels, target, method)`` runs one of the library's methods with ``layer`` as
the target layer and returns the map on that layer's grid, min-max scaled to [0, 1] per image:

- ``gradcam``    Grad-CAM (Selvaraju et al. 2017): channels weighted by the spatial mean of the class
  score's gradient, summed, positive part;
- ``gradcampp``  Grad-CAM++ (Chattopadhay et al. 2018): the weights from positive gradients with
  second-order terms, which spread over several instances of a class;
- ``eigencam``   EigenCAM (Muhammad & Yeasin 2020): the first principal component of the features, no
  gradient, the same for every class;
- ``layercam``   LayerCAM (Jiang et al. 2021): every position's positive gradient times its activation,
  no channel averaging.

The library calls ``network.eval()`` and ``network.zero_grad()``, registers hooks on ``layer`` and runs a
backward pass. The app's models are cached and shared by every session, so a call leaves the network as it
found it: the input is a fresh leaf that carries the gradient (the parameters need none; an adapter may
start the graph later, as PoolFormer's does at its last stage), every module's train/eval flag and every
parameter's ``.grad`` are put back, and the hooks are removed, error or not.
Give it a per-call ``network`` whose ``layer`` belongs to that call (an adapter module around the shared
model, see ``PoolFormer.class_map_network``): hooks on a module of the shared model would also fire in
another session's forward pass.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np
import torch
import torch.nn as nn

#: method id -> the library's class name (imported when a map is computed)
CAM_METHODS = {"gradcam": "GradCAM", "gradcampp": "GradCAMPlusPlus", "eigencam": "EigenCAM",
               "layercam": "LayerCAM"}
#: methods whose map depends on the target class (EigenCAM's does not)
CLASS_SPECIFIC = {"gradcam": True, "gradcampp": True, "eigencam": False, "layercam": True}


@contextmanager
def left_as_found(network: nn.Module) -> Iterator[nn.Module]:
    """Put back every submodule's ``training`` flag and every parameter's ``.grad`` on exit, error or not
    (the library switches the network to eval mode and clears and fills gradients)."""
    modes = [(m, m.training) for m in network.modules()]
    grads = [(p, p.grad) for p in network.parameters()]
    try:
        yield network
    finally:
        for m, training in modes:
            if m.training != training:  # unchanged flags are not written (the model is shared)
                m.training = training
        for p, grad in grads:
            if p.grad is not grad:
                p.grad = grad


def class_map(network: nn.Module, layer: nn.Module, pixels: torch.Tensor, target: int | Sequence[int] | None = None,
              method: str = "gradcam") -> np.ndarray:
    """pixels (B, 3, H, W) -> (B, h, w) float32 in [0, 1] on ``layer``'s output grid (h, w).

    network: logits (B, classes) from pixels; layer: its module whose output (B, C, h, w) is explained.
    target: None (each image's top class), a class index, or one index per image. Works inside
    ``torch.inference_mode``; ``network`` is left as it was (see the module docstring).
    """
    if method not in CAM_METHODS:
        raise ValueError(f"method must be one of {tuple(CAM_METHODS)}, not {method!r}")
    # deferred heavy import: pytorch_grad_cam pulls in OpenCV, scikit-learn and scipy (about 1 s), which
    # the page's first open does not need
    import pytorch_grad_cam
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # deferred with the import above

    # the library resizes the map to the input with OpenCV; no target size keeps it on the layer's grid
    # (the page smooths it onto the image itself)
    base = getattr(pytorch_grad_cam, CAM_METHODS[method])
    on_grid = type(f"{base.__name__}OnLayerGrid", (base,), {"get_target_width_height": lambda self, x: None})
    device = next(network.parameters()).device
    with torch.inference_mode(False), torch.enable_grad(), left_as_found(network):
        x = pixels.detach().clone().to(device).requires_grad_(True)  # the leaf the backward pass reaches
        targets = None
        if target is not None:
            ids = [int(t) for t in np.broadcast_to(np.asarray(target), (x.shape[0],))]
            targets = [ClassifierOutputTarget(i) for i in ids]
        cam = on_grid(model=network, target_layers=[layer])
        try:
            maps = cam(input_tensor=x, targets=targets)
        finally:
            cam.activations_and_grads.release()  # the hooks go, error or not
    return np.asarray(maps, dtype=np.float32)


__all__ = ["CAM_METHODS", "CLASS_SPECIFIC", "class_map", "left_as_found"]
