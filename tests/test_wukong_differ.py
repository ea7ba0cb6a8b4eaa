"""WuKong: the page makes the difference between maps visible where there is one — each map against the mean
map, its argmax region, its peak, and map-to-map similarity (cosine of the maps, correlation of their
patterns). Before: only the maps themselves, which look alike when they are nearly uniform."""
import numpy as np
import pytest
import torch

from conftest import assert_clean, open_page
from vizcore.analysis import wukong as wa
from vizcore.models.wukong import WuKongViT
from vizcore.plots import vega
from vizcore.plots import wukong_views as wv
from vizcore.views import wukong as views


def nearly_uniform(T=4, h=6, w=6, bump=0.05) -> np.ndarray:
    """T maps that are uniform but for a small bump each, on a patch of its own (the bundled model's case)."""
    maps = np.ones((T, h, w))
    for t in range(T):
        maps[t, t, (2 * t) % w] += bump
    return maps / maps.reshape(T, -1).sum(1)[:, None, None]


def test_nearly_uniform_maps_differ_in_their_patterns():
    maps = nearly_uniform()
    cosine, correlation = wa.map_similarity(maps)
    off = ~np.eye(4, dtype=bool)
    assert cosine[off].min() > 0.999  # the maps themselves: all but the same
    assert correlation[off].max() < 0.1 and np.allclose(np.diag(correlation), 1)  # their patterns: different
    contrast = wa.map_contrast(maps)
    assert np.allclose(wa.map_contrast(np.stack([maps[0]] * 3)), 0)  # the same map: no difference anywhere
    for t in range(4):  # each map's largest difference sits on its bump
        assert np.unravel_index(contrast[t].argmax(), (6, 6)) == (t, (2 * t) % 6)


def test_the_differ_view_on_a_tiny_model():
    torch.manual_seed(0)
    model = WuKongViT(img_size=64, patch_size=16, embed_dim=64, depth=2, num_heads=2, output_dim=32, num_tokens=4,
                      num_groups=8, num_classes=10).eval()
    pixels = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        out = model.forward_trace(pixels)
    v = views.differ_view(model, pixels, out.logits, out.trace)
    maps = out.trace.extras["token_maps"][0].numpy()
    assert v.contrast.shape == maps.shape and v.bound == pytest.approx(np.abs(v.contrast).max())
    assert sum(v.region_sizes) == 16 and v.best.shape == (4, 4)
    for t, (r, c) in enumerate(v.peaks):
        assert maps[t, r, c] == maps[t].max()
    assert v.distinct_peaks == len(set(v.peaks))
    assert v.cosine.shape == v.correlation.shape == (4, 4) and np.allclose(v.cosine, v.cosine.T)
    lo, hi = v.off_diagonal(v.cosine)
    assert lo <= hi <= 1 + 1e-9
    assert len(v.rows()) == 16 and set(v.data()) >= {"peaks", "cosine", "correlation"}
    view = np.full((64, 64, 3), 128, dtype=np.uint8)
    img = wv.difference_grid(view, v.contrast, v.bound, v.best, v.peaks, [f"T{t}" for t in range(4)])
    assert img.ndim == 3 and img.shape[1] > 400
    spec = wv.similarity_spec(v.correlation, {"x": "a", "y": "b", "value": "r", "title": "t"})
    assert vega.datasets_used(spec) == set(spec["datasets"]) == {"similarity"}
    assert len(spec["datasets"]["similarity"]) == 16


def test_the_page_shows_how_the_maps_differ(app):
    at = open_page(app, "wukong")
    at.segmented_control(key="wk_view").set_value("differ").run()
    assert_clean(at)
    assert at.get("vega_lite_chart") and any("peak" in c for el in at.get("image") for c in el.captions)
    assert any("Cosine similarity" in m.value for m in at.markdown)
    at.selectbox(key="lang").set_value("zh").run()
    assert_clean(at)
    assert any("余弦相似度" in m.value for m in at.markdown)
