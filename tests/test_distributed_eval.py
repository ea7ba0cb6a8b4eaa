"""Evaluation at scale on CPU with gloo: the sampler shards without padding, torchrun with 2 and 3 processes
gives the counts and top-1 of one process, corrupt images are skipped and named, and a sweep interrupted after
its first configuration and rerun ends with the same file as an uninterrupted one."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from vizcore.analysis.evaluation import evaluate_model
from vizcore.analysis.sweep import VOLATILE, load_records, run_sweep, sweep_configs
from vizcore.data.folder import folder_classes
from vizcore.data.scenes import CLASSES, make_batch
from vizcore.data.distributed import ShardSampler, shard
from vizcore.models.registry import create_model

ROOT = Path(__file__).resolve().parents[1]
PER_CLASS = 17  # 3 x 17 = 51 images: neither 2 nor 4 divides it, 3 does (shards of 17, 17, 17 and 26, 25)


@pytest.mark.parametrize("n, size", [(51, 1), (51, 2), (51, 4), (2, 3), (0, 2), (7, 7)])
def test_the_shards_partition_the_data_without_padding(n, size):
    shards = [list(ShardSampler(n, rank, size)) for rank in range(size)]
    seen = sorted(i for s in shards for i in s)
    assert seen == list(range(n))  # every index exactly once
    assert [len(ShardSampler(n, r, size)) for r in range(size)] == [len(s) for s in shards]
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert list(shard(n, 0, size)) == shards[0]


def test_a_rank_outside_the_world_is_refused():
    with pytest.raises(ValueError):
        ShardSampler(10, 2, 2)


@pytest.fixture(scope="module")
def scene_folder(tmp_path_factory) -> Path:
    """An ImageFolder of 3 scene classes x 17 test scenes (96 px PNGs) plus a class file naming the model's
    10 outputs one per line, so the bundled ViT's top-1 means something."""
    root = tmp_path_factory.mktemp("scenes_folder")
    data = root / "data"
    images, labels, _ = make_batch(range(10 * PER_CLASS), "test", 96)
    for name in CLASSES[:3]:
        (data / name).mkdir(parents=True)
    kept = {c: 0 for c in range(3)}
    for i, (im, label) in enumerate(zip(images, labels)):
        if label < 3:
            Image.fromarray(im).save(data / CLASSES[label] / f"{i:04d}.png")
            kept[label] += 1
    assert list(kept.values()) == [PER_CLASS] * 3
    (root / "classes.txt").write_text("\n".join(CLASSES) + "\n")
    return root


def test_the_class_file_maps_folders_by_name(scene_folder):
    assert folder_classes(scene_folder / "data", class_file=scene_folder / "classes.txt", num_outputs=10) == {
        "circle": 0, "square": 2, "triangle": 1}
    (scene_folder / "small.txt").write_text("circle\ntriangle\n")
    with pytest.raises(ValueError, match="not in --classes"):
        folder_classes(scene_folder / "data", class_file=scene_folder / "small.txt")
    (scene_folder / "far.json").write_text('{"circle": 0, "triangle": 1, "square": 12}')
    with pytest.raises(ValueError, match="outputs 0 to 9"):
        folder_classes(scene_folder / "data", class_file=scene_folder / "far.json", num_outputs=10)


def _torchrun(nproc: int, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(nproc),
                           "--master_port", str(29400 + nproc), "-m", "vizcore", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 1, proc.stdout  # rank 0 alone prints
    return json.loads(lines[0])


def test_one_two_and_three_processes_count_the_same(scene_folder):
    """One process without torchrun, then 2 and 3 under torchrun (gloo): the same counts, top-1 and top-5."""
    data, classes = scene_folder / "data", scene_folder / "classes.txt"
    one = evaluate_model(create_model("bundled_vit", "bundled"), batch=8, data=str(data), class_file=classes)
    assert one["n"] == 3 * PER_CLASS and one["top1"] > 0.8 and "skipped" not in one
    args = ("evaluate", "--model", "bundled_vit", "--data", str(data), "--classes", str(classes), "--batch", "8",
            "--json", "--device", "cpu")
    for nproc in (2, 3):
        res = _torchrun(nproc, *args)
        assert res["processes"] == nproc
        assert {k: res[k] for k in ("n", "top1", "top5", "gmacs")} == {k: one[k] for k in ("n", "top1", "top5",
                                                                                              "gmacs")}


def test_a_corrupt_image_is_skipped_counted_and_named(scene_folder, tmp_path):
    data = tmp_path / "data"
    for d in (scene_folder / "data").iterdir():
        (data / d.name).mkdir(parents=True)
        for f in sorted(d.iterdir())[:3]:
            (data / d.name / f.name).write_bytes(f.read_bytes())
    (data / "square" / "zz_broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    png = next((data / "circle").iterdir())
    (data / "circle" / "truncated.png").write_bytes(png.read_bytes()[:200])
    res = evaluate_model(create_model("bundled_vit", "random"), batch=4, data=str(data),
                         class_file=scene_folder / "classes.txt")
    assert res["n"] == 9 and res["skipped"] == 2
    assert res["skipped_files"] == [str(Path("circle", "truncated.png")), str(Path("square", "zz_broken.jpg"))]


def test_an_empty_folder_or_one_without_images_is_a_one_line_error(tmp_path, capsys):
    from vizcore.cli import main
    (tmp_path / "empty").mkdir()
    (tmp_path / "noimages" / "a").mkdir(parents=True)
    (tmp_path / "noimages" / "a" / "notes.txt").write_text("x")
    for folder, words in (("empty", "no class sub-folders"), ("noimages", "no images")):
        assert main(["evaluate", "--model", "bundled_vit", "--source", "random", "--data", str(tmp_path / folder),
                     "--device", "cpu"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1


def _without_volatile(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


def test_an_interrupted_sweep_resumes_to_the_same_file(tmp_path):
    configs = sweep_configs(["bundled_vit"], ["evit", "tome"], [0.7])
    assert [c.method for c in configs] == ["plain", "evit", "tome"]
    whole = tmp_path / "whole.jsonl"
    run_sweep(configs, whole, data="scenes", n=20, batch=10)

    broken = tmp_path / "broken.jsonl"
    calls = []

    def interrupt(record):  # Ctrl-C right after the first configuration is written
        calls.append(record)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(configs, broken, data="scenes", n=20, batch=10, after=interrupt)
    assert len(load_records(broken)) == 1
    with open(broken, "a") as f:  # and a kill in the middle of writing the next line
        f.write('{"config": {"model": "bundled_vit", "met')
    said = []
    run_sweep(configs, broken, data="scenes", n=20, batch=10, say=said.append)
    assert said[0].startswith("1 of 3 configurations already in")
    assert _without_volatile(load_records(broken)) == _without_volatile(load_records(whole))
    assert len(broken.read_text().splitlines()) == 3
    again = run_sweep(configs, broken, data="scenes", n=20, batch=10)  # all done: nothing runs
    assert again == [] and len(load_records(broken)) == 3
    rec = load_records(whole)[1]
    assert rec["config"]["method"] == "evit" and rec["data_name"] == "scenes" and rec["n"] == 20
    assert {"top1", "top5", "gmacs", "mean_tokens", "keep_precision", "images_per_s", "device", "date"} <= set(rec)
    assert rec["keep_precision"] is not None and load_records(whole)[2]["keep_precision"] is None  # ToMe merges


def test_images_is_the_spelling_of_n_that_torchrun_leaves_alone():
    """torchrun's parser takes ``--n`` for its own ``--nnodes``: every command offers ``--images`` as well."""
    from vizcore.cli import build_parser
    parser = build_parser()
    for command in (["evaluate", "--model", "bundled_vit"], ["sweep", "--models", "bundled_vit", "--out", "x.jsonl"],
                    ["tradeoffs"]):
        assert parser.parse_args([*command, "--images", "7"]).n == parser.parse_args([*command, "--n", "7"]).n == 7


def test_a_sweep_records_an_adaptive_reducer_at_its_measured_cost(tmp_path):
    """ATS keeps what each image needs: its record's cost is the mean of the images' own, its budget beside it;
    the loaded layer of the Trade-offs page carries both."""
    from vizcore.analysis.sweep import loaded_rows
    from vizcore.analysis.tradeoffs import cost
    configs = sweep_configs(["bundled_vit"], ["ats", "random_drop"], [0.8])
    out = tmp_path / "ats.jsonl"
    run_sweep(configs, out, data="scenes", n=12, batch=6)
    records = {r["config"]["method"]: r for r in load_records(out)}
    ats, rnd = records["ats"], records["random_drop"]
    budget = cost(configs[[c.method for c in configs].index("ats")])
    assert ats["budget_gmacs"] == budget["gmacs"] > ats["gmacs"] and ats["budget_tokens"] == budget["mean_tokens"]
    assert ats["mean_tokens"] < ats["budget_tokens"]
    assert "budget_gmacs" not in rnd  # a fixed budget is what every image costs
    rows = {r["method"]: r for r in loaded_rows(load_records(out))}
    assert rows["ats"]["gmacs"] == ats["gmacs"] and rows["ats"]["budget_gmacs"] == ats["budget_gmacs"]
