"""Every training recipe runs a few steps on a tiny config, its loss falls, and it resumes from its checkpoint."""
import dataclasses
from pathlib import Path

import pytest
import torch

from vizcore.models import list_models
from vizcore.train import RECIPES, Recipe, lr_at, train

TINY = {
    "bundled_vit": dict(img_size=32, embed_dim=32, depth=2, num_heads=2, stem_channels=(8, 16, 16)),
    "bundled_dynamicvit": dict(img_size=32, embed_dim=32, depth=2, num_heads=2, stem_channels=(8, 16, 16),
                               pruning_loc=(1,)),
    "bundled_wukong": dict(img_size=32, embed_dim=32, depth=2, num_heads=2, stem_channels=(8, 16, 16),
                           output_dim=32, num_tokens=4),
    "bundled_evit": dict(img_size=32, embed_dim=32, depth=2, num_heads=2, stem_channels=(8, 16, 16), locs=(1,)),
    "bundled_t2t": dict(img_size=32, embed_dim=32, depth=2, num_heads=2, token_dim=16),
    "bundled_poolformer": dict(img_size=32, depths=(1, 1, 1, 1), dims=(8, 16, 16, 32)),
}
FAST = dict(batch=16, warmup=1, decay_frac=0.0, lr=3e-3, label_smoothing=0.0, fixed_data=True, eval_n=20,
            ckpt_every=5, init_lr_scale=1.0)


def test_every_bundled_model_has_a_recipe():
    assert set(TINY) == set(RECIPES)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_runs_and_loss_falls(name, tmp_path):
    if name not in list_models():
        pytest.skip(f"{name}'s model family is not importable here")
    torch.manual_seed(0)
    s = train(name, steps=12, options=TINY[name], cache_dir=tmp_path, out_dir=None, log_path=tmp_path / "log",
              threads=1, workers=0, progress=False, final_eval_n=20, eval_every=1000, overrides=FAST)
    hist = s["history"]
    assert len(hist) == 12 and s["finished"]
    assert sum(hist[-3:]) / 3 < sum(hist[:3]) / 3, hist
    assert 0.0 <= s["eval"]["top1"] <= 1.0
    assert (tmp_path / name / "ckpt.pt").is_file()
    assert "step 10 loss" in (tmp_path / "log").read_text()


def test_resume_continues_from_checkpoint(tmp_path):
    kw = dict(options=TINY["bundled_vit"], cache_dir=tmp_path, out_dir=None, threads=1, workers=0, progress=False,
              final_eval_n=10, eval_every=1000, overrides=FAST)
    first = train("bundled_vit", steps=8, stop_after=5, **kw)
    assert not first["finished"] and first["steps_done"] == 5
    second = train("bundled_vit", steps=8, **kw)
    assert second["finished"] and len(second["history"]) == 8
    assert second["history"][:5] == first["history"]
    # the same run without interruption gives the same losses (seeded, stream indexed by step)
    again = train("bundled_vit", steps=8, fresh=True, **{**kw, "cache_dir": tmp_path / "b"})
    assert again["history"] == pytest.approx(second["history"], abs=2e-3)


def test_schedule_warmup_stable_decay():
    r = dataclasses.replace(RECIPES["bundled_vit"], restarts=())
    assert lr_at(r, 0) == pytest.approx(1 / r.warmup)
    assert lr_at(r, r.warmup) == 1.0
    assert lr_at(r, int(r.steps * 0.5)) == 1.0
    assert 0 < lr_at(r, r.steps - 1) < 0.01


def test_schedule_restart_is_a_second_cycle():
    r = Recipe("x", steps=1000, warmup=10, decay_frac=0.3, restarts=(400,), restart_lr_frac=0.5)
    first = [lr_at(r, s) for s in range(400)]
    assert first == [lr_at(dataclasses.replace(r, steps=400, restarts=()), s) for s in range(400)]
    assert first[-1] < 0.01 and max(first) == 1.0
    assert lr_at(r, 400) == pytest.approx(0.5 / 10)  # warms up again
    assert lr_at(r, 410) == 0.5 and lr_at(r, 400 + 419) == 0.5  # stable until 70 % of the cycle
    assert lr_at(r, 400 + 420) == pytest.approx(0.5) and 0 < lr_at(r, 999) < 0.01
    assert lr_at(r, 900) == pytest.approx(0.5 * (1 - 80 / 180))


def test_export_writes_a_bundle_from_an_unfinished_run(tmp_path):
    import json

    from safetensors.torch import load_file

    from vizcore.train import export
    train("bundled_vit", steps=20, stop_after=5, options=TINY["bundled_vit"], cache_dir=tmp_path, out_dir=None,
          threads=1, workers=0, progress=False, eval_every=1000, overrides=FAST)
    out = export("bundled_vit", cache_dir=tmp_path, out_dir=tmp_path / "assets", final_eval_n=10)
    card = json.loads((tmp_path / "assets" / "bundled_vit.json").read_text())
    assert out["step"] == 5 and card["train_steps"] == 5 and card["complete"] is False
    assert card["data_config"]["crop_pct"] == 1.0 and "check" in card
    assert load_file(str(tmp_path / "assets" / "bundled_vit.safetensors"))


def test_quick_eval_gives_keep_precision_from_the_same_pass():
    from vizcore.data.scenes import make_batch, to_tensor
    from vizcore.analysis.evaluation import evaluate_model
    from vizcore.models.registry import build
    from vizcore.train import quick_eval
    model = build("bundled_dynamicvit", TINY["bundled_dynamicvit"], seed=0).eval()
    cfg = model.pretrained_cfg
    images, labels, masks = make_batch(range(20), "test", int(cfg["input_size"][-1]))
    x, y = to_tensor(images, cfg["mean"], cfg["std"]), torch.from_numpy(labels)
    top1, none = quick_eval(model, x, y)
    top1_traced, precision = quick_eval(model, x, y, masks, batch=7)
    assert none is None and top1 == top1_traced
    ref = evaluate_model(model, n=20)  # the evaluation CLI's numbers on the same scenes
    assert top1 == pytest.approx(ref["top1"]) and precision == pytest.approx(ref["keep_precision"], abs=1e-4)


def test_card_records_scene_set_and_wukong_map_diversity(tmp_path):
    import json

    from vizcore.train import export
    train("bundled_wukong", steps=4, stop_after=2, options=TINY["bundled_wukong"], cache_dir=tmp_path, out_dir=None,
          threads=1, workers=0, progress=False, eval_every=1000, overrides={**FAST, "scenes": 2})
    export("bundled_wukong", cache_dir=tmp_path, out_dir=tmp_path / "assets", final_eval_n=12)
    card = json.loads((tmp_path / "assets" / "bundled_wukong.json").read_text())
    assert card["data"]["version"] == 2 and card["data"]["generator"] == "vizcore.data.scenes_v2"
    div = card["map_diversity"]
    assert div["n"] == 12 and div["maps"] == TINY["bundled_wukong"]["num_tokens"]
    assert -1.0 <= div["cosine"] <= 1.0 and 0 < div["distinct_peaks"] <= 1 and 0 < div["object_share"] < 1


def test_scene_pool_holds_the_rendered_scenes_and_each_epoch_sees_each_once(tmp_path):
    import numpy as np

    from vizcore.data import scenes_v2
    from vizcore.data.pool import ScenePool, fill
    from vizcore.train import SceneBatches
    pool = ScenePool(tmp_path, 2, 7, 24, 48)
    assert pool.filled == 0
    images, labels, classes = pool.batch([3, 3, 20])  # drawn lazily, a repeat drawn once
    assert pool.filled == 2
    s = scenes_v2.render(7 + 20, "train", 48)
    assert (images[2] == s.image).all() and labels[2] == s.label and (classes[2] == s.class_map).all()
    assert ((classes[2] < len(scenes_v2.CLASSES)) == s.mask).all()  # the class map covers the masked shapes
    assert fill(pool, processes=2, chunk=5) == 22 and pool.filled == 24
    again = ScenePool(tmp_path, 2, 7, 24, 48)  # reopened from its files
    assert (again.batch([20])[0][0] == s.image).all()
    batches = SceneBatches(8, 48, 7, "train", (0.5,) * 3, (0.5,) * 3, scenes=2, dense=True, pool=24, seed=0,
                           pool_root=tmp_path)
    x, y, cmap = batches[0]
    assert x.shape == (8, 3, 48, 48) and cmap.shape == (8, 48, 48) and cmap.dtype == torch.int64
    # three batches of 8 = one epoch of 24: every scene once; the next epoch in another order
    seen = torch.cat([batches[k][1] for k in range(3)])
    assert sorted(seen.tolist()) == sorted(np.asarray(pool.batch(range(24))[1]).tolist())
    assert not np.array_equal(pool.order(0), pool.order(1))
    assert sorted(pool.order(1).tolist()) == list(range(24))


def test_token_label_loss_rewards_the_class_under_each_cell():
    from vizcore.train import token_label_loss
    k = 3  # classes; index 3 = background
    classes = torch.full((1, 8, 8), k, dtype=torch.int64)
    classes[0, :4, :4] = 1  # the top-left cell of a 2 x 2 grid holds class 1
    head = torch.nn.Linear(4, k + 1, bias=False)
    with torch.no_grad():
        head.weight.copy_(10 * torch.eye(k + 1))
    right = torch.zeros(1, 4, 2, 2)
    right[0, 3] = 1.0
    right[0, 3, 0, 0], right[0, 1, 0, 0] = 0.0, 1.0
    wrong = right.flip(-1)  # class 1 predicted in the top-right cell instead
    assert token_label_loss(head, right, classes, k) < 0.01
    assert token_label_loss(head, wrong, classes, k) > 4.0


@pytest.mark.parametrize("name", ["bundled_vit", "bundled_poolformer", "bundled_t2t"])
def test_dense_forward_gives_the_logits_and_a_grid(name):
    from vizcore.models.registry import build
    from vizcore.train import dense_forward
    model = build(name, TINY[name], seed=0).eval()
    x = torch.randn(2, 3, 32, 32)
    logits, grid = dense_forward(model, x)
    assert torch.allclose(logits, model(x), atol=1e-5)
    assert grid.ndim == 4 and grid.shape[0] == 2 and grid.shape[-1] == grid.shape[-2] >= 1


def test_map_similarity_is_the_cards_cosine_and_the_wukong_recipe_can_train_with_it(tmp_path):
    import numpy as np

    from vizcore.analysis.map_diversity import pairwise_cosine
    from vizcore.train import map_similarity
    maps = torch.rand(3, 4, 10)
    want = np.mean([pairwise_cosine(m.numpy())[~np.eye(4, dtype=bool)].mean() for m in maps])
    assert float(map_similarity(maps)) == pytest.approx(want, abs=1e-6)
    one_hot = torch.eye(4, 10)[None]  # four maps on four different patches: orthogonal
    assert float(map_similarity(one_hot)) == pytest.approx(0.0, abs=1e-7)
    assert float(map_similarity(torch.ones(1, 4, 10))) == pytest.approx(1.0, abs=1e-6)
    s = train("bundled_wukong", steps=6, options=TINY["bundled_wukong"], cache_dir=tmp_path, out_dir=None,
              log_path=tmp_path / "log", threads=1, workers=0, progress=False, final_eval_n=10, eval_every=1000,
              overrides={**FAST, "loss": {"map_diversity": 1.0}})
    assert s["finished"] and len(s["history"]) == 6


def test_distillation_applies_from_its_step_only(tmp_path):
    """A run lengthened with a teacher: before ``distill_from`` the losses are those of the run without one,
    from it on the KL term to the teacher changes them."""
    kw = dict(steps=8, options=TINY["bundled_t2t"], out_dir=None, threads=1, workers=0, progress=False,
              final_eval_n=10, eval_every=1000)
    plain = train("bundled_t2t", cache_dir=tmp_path / "a", log_path=tmp_path / "a.log",
                  overrides={**FAST, "restarts": (), "teacher": None, "distill": 0.0}, **kw)
    taught = train("bundled_t2t", cache_dir=tmp_path / "b", log_path=tmp_path / "b.log",
                   overrides={**FAST, "restarts": (), "teacher": "bundled_vit", "distill": 0.5, "distill_from": 4},
                   **kw)
    assert taught["history"][:4] == pytest.approx(plain["history"][:4], abs=1e-5)
    assert taught["history"][4:] != pytest.approx(plain["history"][4:], abs=1e-3)


def test_evit_recipe_trains_at_the_keep_rate_drawn_for_each_step(tmp_path, monkeypatch):
    """One EViT model for every budget: each step runs the reorganisation at a keep rate drawn (seeded) from the
    recipe's rates, not at the model's own 0.7."""
    from vizcore.models.evit import EViT
    seen = []
    original = EViT.forward_with

    def spy(self, x, reducer, extras=None):
        seen.append(reducer.keep_rate)
        return original(self, x, reducer, extras)

    monkeypatch.setattr(EViT, "forward_with", spy)
    rates = (0.3, 0.5, 0.9)
    kw = dict(steps=10, options=TINY["bundled_evit"], out_dir=None, threads=1, workers=0, progress=False,
              final_eval_n=10, eval_every=1000, overrides={**FAST, "keep_rates": rates})
    train("bundled_evit", cache_dir=tmp_path / "a", log_path=tmp_path / "a.log", **kw)
    assert len(seen) == 10 and set(seen) <= set(rates) and len(set(seen)) > 1
    again = list(seen)
    seen.clear()
    train("bundled_evit", cache_dir=tmp_path / "b", log_path=tmp_path / "b.log", **kw)
    assert seen == again  # drawn from the step's seed: a resumed or repeated run draws the same rates


def test_dynamicvit_step_alternates_the_papers_training_and_top_k_at_a_drawn_ratio():
    """Even steps: the paper's Gumbel masks and four terms; odd steps: top-k at a ratio of ``topk_rhos`` (its
    classification and distillation terms). With ``keep_target`` both add the object ranking of the predictors,
    whose gradients reach every predictor."""
    from vizcore.models.dynamicvit import DynamicViTLoss, TeacherWrapper
    from vizcore.models.registry import build
    from vizcore.train import SceneBatches, dynamicvit_step
    model = build("bundled_dynamicvit", {**TINY["bundled_dynamicvit"], "pruning_loc": (1,)}, seed=0)
    teacher = TeacherWrapper(build("bundled_vit", TINY["bundled_vit"], seed=1).eval())
    criterion = DynamicViTLoss(teacher=teacher, keep_ratios=model.reducer.keep_ratios, distill_weight=0.1)
    cfg = model.pretrained_cfg
    batch = SceneBatches(6, 32, 0, "train", cfg["mean"], cfg["std"], scenes=2, dense=True)[0]
    recipe = dataclasses.replace(RECIPES["bundled_dynamicvit"], keep_target=1.0, topk_rhos=(0.4,))
    loss, parts, logits = dynamicvit_step(model, criterion, recipe, 0, batch)
    assert set(parts) == {"cls", "ratio", "cls_kl", "token", "rank"} and logits.shape == (6, 10)
    loss.backward()
    assert model.score_predictor[0].out_conv[4].weight.grad.abs().sum() > 0
    model.zero_grad()
    loss, parts, _ = dynamicvit_step(model, criterion, recipe, 1, batch)
    assert set(parts) == {"cls", "cls_kl", "rho", "rank"} and float(parts["rho"]) == pytest.approx(0.4)
    loss.backward()  # top-k passes no gradient to the scores: the ranking term alone reaches the predictor
    assert model.score_predictor[0].out_conv[4].weight.grad.abs().sum() > 0
    plain = dataclasses.replace(recipe, keep_target=0.0, topk_rhos=())
    _, parts, _ = dynamicvit_step(model, criterion, plain, 1, batch)
    assert set(parts) == {"cls", "ratio", "cls_kl", "token"}  # the paper's recipe on every step


def test_object_tokens_are_the_cells_any_object_pixel_falls_in():
    from vizcore.train import object_tokens
    classes = torch.full((1, 8, 8), 10, dtype=torch.int64)
    classes[0, 0, 0] = 3  # one pixel in the top-left cell
    classes[0, 4:8, 4:8] = 1  # the whole bottom-right cell
    assert object_tokens(classes, (2, 2), 10).tolist() == [[True, False, False, True]]


def test_train_until_pauses_at_that_step_and_resumes_from_it(tmp_path):
    kw = dict(steps=9, options=TINY["bundled_vit"], cache_dir=tmp_path, out_dir=None, log_path=tmp_path / "log",
              threads=1, workers=0, progress=False, final_eval_n=10, eval_every=1000, overrides=FAST)
    first = train("bundled_vit", until=4, **kw)
    assert not first["finished"] and first["steps_done"] == 4 and len(first["history"]) == 4
    assert not train("bundled_vit", until=3, **kw)["finished"]  # already past it: nothing more
    rest = train("bundled_vit", **kw)
    assert rest["finished"] and len(rest["history"]) == 9


def test_plan_splits_a_recipe_whose_teacher_applies_later():
    from vizcore.train import Job, plan_jobs
    jobs = {(j.name, j.until): j for j in plan_jobs(["bundled_vit", "bundled_t2t", "bundled_dynamicvit"])}
    t2t = RECIPES["bundled_t2t"]
    assert jobs[("bundled_vit", RECIPES["bundled_vit"].steps)] == Job("bundled_vit", 0, RECIPES["bundled_vit"].steps, ())
    assert jobs[("bundled_t2t", t2t.distill_from)].needs == ()  # its first cycles need no teacher
    assert jobs[("bundled_t2t", t2t.steps)] == Job("bundled_t2t", t2t.distill_from, t2t.steps, ("bundled_vit",))
    assert jobs[("bundled_dynamicvit", RECIPES["bundled_dynamicvit"].steps)].needs == ("bundled_vit",)


class _FakeProcess:
    """A launched job that ends after ``polls`` polls with ``rc``."""

    def __init__(self, polls: int, rc: int = 0):
        self.left, self.rc = polls, rc

    def poll(self):
        self.left -= 1
        return self.rc if self.left < 0 else None


def test_run_jobs_keeps_the_order_the_models_need_and_the_number_at_a_time():
    from vizcore.train import ORDER, plan_jobs, run_jobs
    jobs = plan_jobs(ORDER)
    length = {j: max(1, (j.until - j.start) // 1000) for j in jobs}  # polls a job runs, by its steps
    events, running = [], set()

    def launch(job):
        running.add(job)
        assert len(running) <= 2
        events.append(("start", job))
        proc = _FakeProcess(length[job])
        poll = proc.poll

        def watched():
            rc = poll()
            if rc is not None and job in running:
                running.discard(job)
                events.append(("end", job))
            return rc

        proc.poll = watched
        return proc

    res = run_jobs(jobs, 2, launch, poll_s=0.0, say=lambda line: None)
    assert not res["failed"] and len(res["jobs"]) == len(jobs) == len(ORDER) + 1
    ended = []
    for kind, job in events:
        if kind == "start":
            for need in job.needs:  # everything it needs has finished all its steps
                assert (need, RECIPES[need].steps) in ended, (job, need)
            assert all((job.name, k.until) in ended for k in jobs if k.name == job.name and k.until < job.until)
        else:
            ended.append((job.name, job.until))
    first_two = {(events[0][1].name, events[0][1].until), (events[1][1].name, events[1][1].until)}
    # the heads of the longest chains: bundled_vit (then T2T's distilled cycles) and T2T's first cycles, before
    # PoolFormer, the longest single job, which nothing waits for
    assert first_two == {("bundled_vit", RECIPES["bundled_vit"].steps),
                         ("bundled_t2t", RECIPES["bundled_t2t"].distill_from)}


def test_chain_steps_follow_what_waits_for_each_job():
    from vizcore.train import Job, chain_steps
    vit, pf = Job("bundled_vit", 0, 100, ()), Job("bundled_poolformer", 0, 120, ())
    t2t_a, t2t_b = Job("bundled_t2t", 0, 80, ()), Job("bundled_t2t", 80, 150, ("bundled_vit",))
    dyn = Job("bundled_dynamicvit", 0, 16, ("bundled_vit",))
    chain = chain_steps([vit, pf, t2t_a, t2t_b, dyn])
    assert chain[t2t_b] == 70 and chain[t2t_a] == 80 + 70 and chain[dyn] == 16
    assert chain[vit] == 100 + 70 and chain[pf] == 120  # vit heads T2T's distilled cycles


def test_run_jobs_stops_starting_after_a_failure():
    from vizcore.train import Job, run_jobs
    jobs = [Job("bundled_vit", 0, 10, ()), Job("bundled_dynamicvit", 0, 10, ("bundled_vit",))]
    started = []

    def launch(job):
        started.append(job.name)
        return _FakeProcess(1, rc=3 if job.name == "bundled_vit" else 0)

    res = run_jobs(jobs, 2, launch, poll_s=0.0, say=lambda line: None)
    assert res["failed"] and started == ["bundled_vit"] and res["jobs"][0]["rc"] == 3


class _ThreadedFake(_FakeProcess):
    """A fake job that also takes the thread count it is given."""

    def __init__(self, polls: int):
        super().__init__(polls)
        self.threads = None

    def set_threads(self, n: int) -> None:
        self.threads = n


def test_running_jobs_share_the_cores_and_a_lone_job_gets_them_all():
    from vizcore.train import ORDER, plan_jobs, run_jobs
    jobs = plan_jobs(ORDER)
    length = {j: max(1, (j.until - j.start) // 1000) for j in jobs}
    handles, seen = {}, []

    def launch(job):
        handles[job] = _ThreadedFake(length[job])
        return handles[job]

    def progress(state):
        running = [handles[j] for j in handles if any(r["name"] == j.name and r["until"] == j.until
                                                        for r in state["running"])]
        seen.append(sorted(h.threads for h in running))

    res = run_jobs(jobs, 2, launch, poll_s=0.0, say=lambda line: None, cores=2, progress=progress)
    assert not res["failed"] and res["running"] == []
    assert all(sum(s) <= 2 for s in seen)  # never more threads than cores
    assert [1, 1] in seen and [2] in seen  # two jobs: one each; a job alone: both cores
    assert seen[-1] == [] or seen[-1] == [2]


def test_a_job_follows_the_thread_count_in_its_file(tmp_path):
    import torch
    before = torch.get_num_threads()
    wanted = tmp_path / "bundled_vit.threads"
    wanted.write_text("2")
    try:
        torch.set_num_threads(1)
        train("bundled_vit", steps=3, options=TINY["bundled_vit"], cache_dir=tmp_path, out_dir=None,
              log_path=tmp_path / "log", threads=1, workers=0, progress=False, final_eval_n=10, eval_every=1000,
              overrides=FAST, threads_file=wanted)
        assert torch.get_num_threads() == 2
        assert "threads 2 from step 0" in (tmp_path / "log").read_text()
    finally:
        torch.set_num_threads(before)


def test_a_stopped_parallel_run_goes_on_in_the_same_record(tmp_path, monkeypatch):
    import json

    from vizcore import train as T
    names = ["bundled_vit", "bundled_dynamicvit"]
    polls, launched = {"left": 4}, []

    class Stopped(Exception):
        pass

    class Fake(_ThreadedFake):
        def __init__(self, job, threads, workers, cache_dir):
            super().__init__(1)
            launched.append(job.name)
            (Path(cache_dir) / job.name).mkdir(exist_ok=True)
            (Path(cache_dir) / job.name / "ckpt.pt").write_bytes(b"")  # its checkpoint exists from its start

        def poll(self):
            polls["left"] -= 1
            if polls["left"] == 0:
                raise Stopped  # stopped from outside in the middle of the run
            return super().poll()

    monkeypatch.setattr(T, "_TrainProcess", Fake)
    monkeypatch.setattr(T, "prepare_pools", lambda names, processes: 0)
    monkeypatch.setattr(T.time, "sleep", lambda s: None)
    with pytest.raises(Stopped):
        T.train_all_parallel(names, 2, 1, 0, cache_dir=tmp_path, say=lambda line: None)
    first = json.loads((tmp_path / T.RUN_RECORD).read_text())
    assert len(first["parts"]) == 1 and not first["finished"]
    assert [j["name"] for j in first["parts"][0]["jobs"]] == ["bundled_vit"]  # finished before the stop
    assert [j["name"] for j in first["parts"][0]["running"]] == ["bundled_dynamicvit"]
    polls["left"], launched[:] = -1, []  # no more stops
    res = T.train_all_parallel(names, 2, 1, 0, cache_dir=tmp_path, say=lambda line: None)
    assert launched == ["bundled_dynamicvit"]  # what the first part finished is not run again
    record = json.loads((tmp_path / T.RUN_RECORD).read_text())
    assert res["parts"] == 2 and record["finished"] and len(record["parts"]) == 2
    assert res["total_s"] == record["total_s"] == T.record_total(record)
    assert record["total_s"] >= sum(p["wall_s"] for p in record["parts"])
    again = T.train_all_parallel(names, 2, 1, 0, cache_dir=tmp_path, say=lambda line: None)
    assert again["parts"] == 1  # a finished record is not continued: a new run starts its own
