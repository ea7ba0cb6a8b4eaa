"""Animations across depth (vizcore.views.animations, vizcore.plots.animation): a GIF has one frame per layer,
draw or window position it animates; tiny models with random weights."""
import io
import json
import re

import numpy as np
import pytest
import torch
from PIL import Image

from vizcore.models.dynamicvit import DynamicViT
from vizcore.models.t2t import T2TViT
from vizcore.models.vit import ViT
from vizcore.plots.animation import labelled, player_html, same_size, to_gif
from vizcore.views import animations as anim
from vizcore.views import t2t as t2t_views
from vizcore.views.dynamicvit import dynamicvit_view

VIEW = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)


def gif_frames(data: bytes) -> int:
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF"
    return image.n_frames


@pytest.fixture(scope="module")
def dynamicvit():
    torch.manual_seed(0)
    return DynamicViT(pruning_loc=(1, 3, 4), keep_ratio=0.7, img_size=64, patch_size=8, embed_dim=32, depth=6,
                      num_heads=2, num_classes=10).eval()


@pytest.fixture(scope="module")
def pixels():
    return torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def test_token_fate_has_one_frame_per_layer(dynamicvit, pixels):
    v = dynamicvit_view(dynamicvit, pixels, 0.5)
    a = anim.fate_through_layers(VIEW, v.trace, tile=96)
    assert len(a.frames) == len(v.trace.tokens_per_layer) == 6 and a.unit == "layer"
    assert gif_frames(to_gif(a.frames)) == 6  # frames that look alike but for the label are kept
    left = [n["patches"] for n in a.numbers]
    # 64 patches until the first stage (layer 1), then 32, then 16 from layer 3, 8 from layer 4
    assert left == [64, 32, 32, 16, 8, 8]
    assert [n["tokens"] for n in a.numbers] == v.trace.tokens_per_layer
    assert not np.array_equal(a.frames[0], a.frames[-1])  # dropped patches fade
    assert a.captions[-1] == {"layer": 5, "last": 5, "left": 8, "n": 64}
    assert json.loads(json.dumps(a.data()))["frames"][2]["patches"] == 32


def test_compare_frames_show_every_method_per_layer(dynamicvit, pixels):
    inference = dynamicvit_view(dynamicvit, pixels, 0.5).trace
    milder = dynamicvit_view(dynamicvit, pixels, 0.9).trace
    a = anim.compare_through_layers(VIEW, {"a": inference, "b": milder}, tile=64)
    assert len(a.frames) == 6 and len({f.shape for f in a.frames}) == 1
    assert a.numbers[-1]["patches"]["a"] < a.numbers[-1]["patches"]["b"]
    assert gif_frames(to_gif(a.frames)) == 6


def test_gumbel_draws_differ_and_match_the_seed(dynamicvit, pixels):
    a = anim.gumbel_draws(dynamicvit, pixels, VIEW, rho=0.5, tau=1.0, seed=3, draws=5, tile=64)
    again = anim.gumbel_draws(dynamicvit, pixels, VIEW, rho=0.5, tau=1.0, seed=3, draws=5, tile=64)
    other = anim.gumbel_draws(dynamicvit, pixels, VIEW, rho=0.5, tau=1.0, seed=4, draws=5, tile=64)
    assert len(a.frames) == 5 and gif_frames(to_gif(a.frames)) == 5 and a.unit == "draw"
    kept = [tuple(map(tuple, n["kept"])) for n in a.numbers]
    assert len(set(kept)) > 1  # successive draws keep different patches
    assert [n["kept"] for n in again.numbers] == [n["kept"] for n in a.numbers]
    assert [n["kept"] for n in other.numbers] != [n["kept"] for n in a.numbers]
    assert all(len(stages) == 3 for stages in (n["kept"] for n in a.numbers))  # one list per stage


def test_window_slides_by_the_stride():
    torch.manual_seed(0)
    model = T2TViT(img_size=96, embed_dim=32, depth=1, num_heads=2, mlp_ratio=2.0, num_classes=10, token_dim=16,
                   soft_split=((7, 4, 2), (3, 2, 1), (3, 1, 1))).eval()
    splits = t2t_views.splits_view(model, (96, 96), t2t_views.model_stages(model))
    a = anim.window_slide(VIEW, splits, 0, columns=5, rows=2)
    assert len(a.frames) == 10 and gif_frames(to_gif(a.frames)) == 10 and a.unit == "position"
    windows = np.array([n["window"] for n in a.numbers])  # (y0, x0, y1, x1)
    assert windows[0].tolist() == [-2, -2, 5, 5]  # the first window reaches into the padding of 2
    assert np.all(np.diff(windows[:5, 1]) == 4) and windows[5, 0] - windows[0, 0] == 4  # stride 4 both ways
    assert [n["token"] for n in a.numbers][:6] == [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 0]]
    b = anim.window_slide(VIEW, splits, 2, columns=3, rows=1)
    assert len(b.frames) == 3 and np.all(np.diff([n["window"][1] for n in b.numbers]) == 1)


def test_cls_map_through_the_layers():
    torch.manual_seed(0)
    model = ViT(img_size=(48, 80), patch_size=16, embed_dim=48, depth=3, num_heads=4, num_classes=7).eval()
    with torch.inference_mode():
        trace = model.forward_trace(torch.randn(1, 3, 48, 80), attn=True).trace
    view = np.zeros((48, 80, 3), np.uint8)
    a = anim.cls_through_layers(view, trace, head=1, scale="global", width=160)
    assert len(a.frames) == 3 and gif_frames(to_gif(a.frames)) == 3
    assert a.frames[0].shape[1] == 160  # the small view enlarged twice
    assert a.numbers[0]["vmax"] == a.numbers[2]["vmax"]  # one colour scale over all layers
    assert not np.array_equal(a.frames[0][20:], a.frames[2][20:])


def test_gif_keeps_every_labelled_frame_and_its_timing():
    frames = [labelled(np.zeros((20, 40, 3), np.uint8), f"layer {i}") for i in range(4)]
    data = to_gif(frames, ms=250)
    image = Image.open(io.BytesIO(data))
    assert image.n_frames == 4 and image.info["duration"] == 250 and image.info.get("loop") == 0
    with pytest.raises(ValueError):
        to_gif([])
    padded = same_size([np.zeros((5, 7, 3), np.uint8), np.zeros((9, 3, 3), np.uint8)])
    assert {f.shape for f in padded} == {(9, 7, 3)}


def test_player_is_offline_and_carries_every_frame():
    frames = [np.full((10, 12, 3), i * 40, np.uint8) for i in range(5)]
    words = {"play": "播放", "pause": "暂停", "previous": "上一帧", "next": "下一帧", "speed": "速度", "frame": "帧"}
    html = player_html(frames, [f"第 {i} 层" for i in range(5)], words, ms=300)
    payload = json.loads(re.search(r"const d = (\{.*?\});\n", html).group(1))
    assert len(payload["frames"]) == 5 and payload["captions"][4] == "第 4 层" and payload["ms"] == 300
    assert all(src.startswith("data:image/png;base64,") for src in payload["frames"])
    assert "http" not in html and "src=\"//" not in html  # nothing fetched
    assert "速度" in html and 'max="4"' in html
    with pytest.raises(ValueError):
        player_html(frames, ["one caption"], words)
