"""Soft-split geometry (vizcore.geometry.unfold)."""
import pytest
import torch
import torch.nn.functional as F

from vizcore.geometry.unfold import (T2T_STAGES, final_grid, footprint_weights, overlap_count, receptive_box,
                                     soft_split_schedule, token_footprint, unfold_output_size, window_boxes,
                                     window_origins)


def test_output_size_matches_nn_unfold():
    assert unfold_output_size(224, 7, 4, 2) == 56
    assert unfold_output_size(56, 3, 2, 1) == 28 and unfold_output_size(28, 3, 2, 1) == 14
    assert unfold_output_size((224, 160), 7, 4, 2) == (56, 40)
    for size, (k, s, p) in [(37, (7, 4, 2)), (10, (3, 2, 1)), (9, (5, 3, 0))]:
        L = F.unfold(torch.zeros(1, 1, size, size), k, stride=s, padding=p).shape[-1]
        assert unfold_output_size(size, k, s, p) ** 2 == L
    with pytest.raises(ValueError):
        unfold_output_size(2, 7, 4, 0)


def test_t2t_schedule_at_224():
    sched = soft_split_schedule(224)
    assert [s["tokens"] for s in sched] == [3136, 784, 196]
    assert [s["token_dim"] for s in sched] == [147, 576, 576]
    assert [s["out_hw"] for s in sched] == [(56, 56), (28, 28), (14, 14)]
    assert sched[1]["in_hw"] == (56, 56) and (sched[0]["kernel"], sched[0]["stride"], sched[0]["padding"]) == (7, 4, 2)
    assert final_grid(224) == (14, 14) and final_grid((224, 160)) == (14, 10)


def test_overlap_count_hand_case():
    # 5 px, k=3, s=2, p=1: windows [-1..1], [1..3], [3..5] -> per axis 1 2 1 2 1
    one_d = torch.tensor([1, 2, 1, 2, 1])
    expected = one_d[:, None] * one_d[None, :]
    assert torch.equal(overlap_count(5, 3, 2, 1), expected)
    # brute force on a non-square map: count window memberships with nn.Unfold of pixel ids
    H, W, k, s, p = 9, 13, 7, 4, 2
    ids = torch.arange(1, H * W + 1, dtype=torch.float64).reshape(1, 1, H, W)
    cols = F.unfold(ids, k, stride=s, padding=p).long().flatten()
    brute = torch.bincount(cols, minlength=H * W + 1)[1:].reshape(H, W)
    assert torch.equal(overlap_count((H, W), k, s, p), brute)


def test_window_boxes_and_origins():
    boxes = window_boxes(5, 3, 2, 1, clip=False)
    assert boxes.shape == (9, 4)
    assert boxes[0].tolist() == [-1, -1, 2, 2] and boxes[-1].tolist() == [3, 3, 6, 6]
    assert window_boxes(5, 3, 2, 1)[0].tolist() == [0, 0, 2, 2]
    origins, sizes = window_origins(224, 7, 4, 2)
    assert origins.shape == (3136, 2) and origins[57].tolist() == [2, 2] and sizes[57].tolist() == [7, 7]
    assert sizes[0].tolist() == [5, 5]


def test_footprint_contains_its_windows():
    for token in [(0, 0), (7, 7), (13, 5), 195]:
        fp = token_footprint(224, token)
        y0, x0, y1, x1 = fp["box"]
        w = fp["weights"]
        assert w.shape == (224, 224)
        nz = torch.nonzero(w > 0)
        assert (int(nz[:, 0].min()), int(nz[:, 1].min()), int(nz[:, 0].max()) + 1, int(nz[:, 1].max()) + 1) == fp["box"]
        assert fp["weights_norm"].max() == 1
        # the chain through the centre of each window: final (r, c) -> (2r, 2c) -> (4r, 4c) on the 56 grid
        r, c = fp["token"]
        wy0, wx0, wy1, wx1 = window_boxes(224, 7, 4, 2)[(4 * r) * 56 + 4 * c].tolist()
        assert y0 <= wy0 and x0 <= wx0 and wy1 <= y1 and wx1 <= x1
        # and the token's own last-stage window on the 28x28 grid contains (2r, 2c)
        gy0, gx0, gy1, gx1 = fp["window"]
        assert gy0 <= 2 * r < gy1 and gx0 <= 2 * c < gx1
    # an interior token: no path ends in padding, 9 * 9 * 49 paths in all
    w = footprint_weights(224, (7, 7))
    assert w.sum() == 9 * 9 * 49
    assert receptive_box(224, (7, 7)) == (98, 98, 129, 129)  # 7 + 4 * (2 + 2 * 2) = 31 px


def test_stages_argument_is_respected():
    stages = ((4, 4, 0), (2, 2, 0), (2, 2, 0))  # hard split: no overlap anywhere
    assert torch.equal(overlap_count(32, 4, 4, 0), torch.ones(32, 32, dtype=torch.long))
    assert receptive_box(32, (1, 1), stages) == (16, 16, 32, 32)
    assert footprint_weights(32, 0, stages).sum() == 4 * 4 * 16
    assert T2T_STAGES[0] == (7, 4, 2)
