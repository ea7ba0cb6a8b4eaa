"""Random drop: DynamicViT's schedule with random choices, seeded."""
import torch

from vizcore.models.random_drop import RandomDrop, random_keep
from vizcore.models.registry import describe

TINY = dict(embed_dim=64, depth=4, num_heads=4, num_classes=10)


def tiny(img_size=64, patch_size=8, seed=0, **kw) -> RandomDrop:
    torch.manual_seed(seed)
    return RandomDrop(pruning_loc=(1, 2, 3), keep_ratio=0.7, img_size=img_size, patch_size=patch_size,
                      **{**TINY, **kw}).eval()


def images(model, batch=2, seed=0):
    h, w = model.patch_embed.img_size
    return torch.randn(batch, 3, h, w, generator=torch.Generator().manual_seed(seed))


def kept(out):
    return [s.kept for s in out.trace.stages]


def test_same_counts_and_locations_as_dynamicvit():
    assert describe("random_drop_deit_small")["tokens_per_layer"] == describe("dynamicvit_deit_small")[
        "tokens_per_layer"]
    model = tiny(img_size=224, patch_size=16)
    assert model.kept_counts() == [137, 96, 67]
    with torch.inference_mode():
        out = model.forward_trace(images(model, batch=1))
    assert [k.shape[1] for k in kept(out)] == [137, 96, 67]
    assert [s.kind for s in out.trace.stages] == ["drop"] * 3
    nonsquare = tiny(img_size=(48, 80), reg_tokens=2)
    assert nonsquare.kept_counts() == [42, 29, 20]


def test_seeded_by_the_generator_and_deterministic_by_default():
    model = tiny()
    x = images(model)
    with torch.inference_mode():
        a = model.forward_trace(x, generator=torch.Generator().manual_seed(5))
        b = model.forward_trace(x, generator=torch.Generator().manual_seed(5))
        c = model.forward_trace(x, generator=torch.Generator().manual_seed(6))
        d1, d2 = model.forward_trace(x), model.forward_trace(x)
        default_seed = model.forward_trace(x, generator=torch.Generator().manual_seed(0))
        logits1, logits2 = model(x), model(x)
    assert all(torch.equal(u, v) for u, v in zip(kept(a), kept(b)))
    assert any(not torch.equal(u, v) for u, v in zip(kept(a), kept(c)))
    assert all(torch.equal(u, v) for u, v in zip(kept(d1), kept(d2)))
    assert all(torch.equal(u, v) for u, v in zip(kept(d1), kept(default_seed)))
    assert torch.equal(logits1, logits2) and torch.equal(logits1, d1.logits)
    # the images of a batch draw different subsets; kept ids are unique, sorted, nested across stages
    assert not torch.equal(kept(a)[0][0], kept(a)[0][1])
    prev = torch.ones(2, 64, dtype=torch.bool)
    for k in kept(a):
        assert torch.all(k[:, 1:] > k[:, :-1])
        mask = torch.zeros(2, 64, dtype=torch.bool).scatter_(1, k, True)
        assert torch.all(mask <= prev)
        prev = mask


def test_random_keep_is_uniform_enough():
    g = torch.Generator().manual_seed(0)
    counts = torch.zeros(10)
    for _ in range(400):
        counts += torch.zeros(10).scatter_(0, random_keep(torch.rand(1, 10, generator=g), 3)[0], 1.0)
    assert counts.sum() == 1200 and counts.min() > 80 and counts.max() < 160
