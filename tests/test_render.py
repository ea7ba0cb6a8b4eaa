"""``python -m vizcore render``: one-line errors, settings from --set and from a page address, a folder of
images, and files equal byte for byte to the page's downloads of the same state (AppTest)."""
import json

import pytest
import streamlit as st

from tests.conftest import open_page
from vizcore import render as R
from vizcore.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["render", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, expected", [
    (["--page", "nowhere", "--image", "scene:0"], "no page 'nowhere'; pages: attention, dynamicvit"),
    (["--page", "dynamicvit", "--image", "scene:0", "--set", "speed=3"], "page dynamicvit has no setting 'speed'"),
    (["--page", "dynamicvit", "--image", "scene:0", "--set", "rho=2"], "rho must be in 0.3..0.95, not 2"),
    (["--page", "dynamicvit", "--image", "scene:0", "--set", "rho"], "--set takes key=value"),
    (["--page", "dynamicvit", "--image", "scene:0", "--set", "semantics=both"], "semantics must be one of inference"),
    (["--page", "attention", "--image", "scene:0", "--set", "head=first"], "head must be mean, max or a head index"),
    (["--page", "attention", "--image", "scene:0", "--set", "layer=99"],
     "layer must be in 0..5 for bundled_vit, not 99"),
    (["--page", "attention", "--image", "scene:0", "--set", "head=7"], "head must be in 0..1 for bundled_vit, not 7"),
    (["--page", "dynamicvit", "--image", "scene:99999"], "scene index must be in 0..1999"),
    (["--page", "dynamicvit", "--image", "no/such/photo.jpg"], "no image no/such/photo.jpg"),
    (["--page", "dynamicvit", "--image", "scene:0", "--lang", "fr"], "no language 'fr'"),
    (["--page", "dynamicvit"], "no image"),
    (["--image", "scene:0"], "no page: give --page"),
])
def test_bad_input_is_one_line(capsys, tmp_path, argv, expected):
    code, out, err = run(capsys, *argv, "--out", str(tmp_path), "--quiet")  # the progress bar is tested below
    assert code == 1 and err.startswith("error: ") and expected in err and err.count("\n") == 1, err
    assert not any(tmp_path.iterdir())  # nothing written before the input is checked


def test_unreadable_image_and_usage(capsys, tmp_path):
    bad = tmp_path / "photo.jpg"
    bad.write_text("not an image")
    code, _, err = run(capsys, "--page", "dynamicvit", "--image", str(bad), "--out", str(tmp_path / "o"))
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_:
        main(["render", "--page", "dynamicvit"])  # no --out
    assert exit_.value.code == 2 and "--out" in capsys.readouterr().err


def test_options_parse_like_the_controls():
    pages = R.page_renders()
    assert set(pages) == {"attention", "wukong", "t2t", "poolformer", "dynamicvit", "compare"}
    dyn = pages["dynamicvit"]
    assert dyn.option("rho").parse("0.5") == 0.5 and dyn.option("samples").parse("16") == 16
    assert pages["attention"].option("head").parse("2") == 2 and pages["attention"].option("head").parse("max") == "max"
    with pytest.raises(ValueError, match="samples must be one of 8, 16, 32, 64"):
        dyn.option("samples").parse("10")


def test_link_state_and_set(capsys):
    url = "http://localhost:8501/dynamicvit?rho=0.5&semantics=training&image=scene:3&tau=9&color=red"
    assert R.page_of_link(url) == "dynamicvit"
    state = R.state_from_query("dynamicvit", url.split("?", 1)[1])
    assert state == {"rho": "0.5", "semantics": "training", "image": "scene:3", "tau": "9", "color": "red"}
    notes = []
    state.pop("image")
    values = R.settings_for(R.page_renders()["dynamicvit"], ["rho=0.6"], state, warn=notes.append)
    assert values["rho"] == 0.6 and values["semantics"] == "training" and values["tau"] == 1.0  # --set wins
    assert len(notes) == 2 and "tau=9" in notes[0] and "color=red" in notes[1]  # bad link values: a note each


def test_link_with_the_pages_widget_keys():
    """An address carrying the pages' own widget keys (and the sidebar's image widgets) reads the same."""
    state = R.state_from_query("dynamicvit", "dyn_rho=0.55&dyn_semantics=training&image_mode=scene&scene_index=4")
    assert R.image_of_link(state) == "scene:4" and "scene_index" not in state
    values = R.settings_for(R.page_renders()["dynamicvit"], [], state, warn=pytest.fail)
    assert values["rho"] == 0.55 and values["semantics"] == "training"
    t2t = R.settings_for(R.page_renders()["t2t"], [], {"t2t_stage": "1", "t2t_where": "corner"}, warn=pytest.fail)
    assert t2t["split"] == 2 and t2t["where"] == "corner"  # the page's radio counts splits from 0
    assert R.image_of_link({"image_mode": "gallery", "sample": "coffee"}) == "sample:coffee"
    assert R.image_of_link({"image_mode": "upload"}) is None


def test_from_link_renders_the_view_it_describes(capsys, tmp_path):
    url = "http://localhost:8501/dynamicvit?rho=0.5&image=scene:3"
    code, out, err = run(capsys, "--from-link", url, "--out", str(tmp_path), "--quiet")
    assert code == 0, err
    summary = json.loads((tmp_path / "scene_3" / "dynamicvit.json").read_text())
    assert summary["settings"]["rho"] == 0.5 and summary["image"] == "scene 3"
    fate = json.loads((tmp_path / "scene_3" / "dynamicvit_token_fate.json").read_text())
    assert fate["rho"] == 0.5
    assert {"dynamicvit_token_fate.png", "dynamicvit_keep_prob.png", "dynamicvit_cost.csv"} <= set(summary["files"])
    code, _, err = run(capsys, "--from-link", url, "--page", "attention", "--out", str(tmp_path))
    assert code == 1 and "the link is to page 'dynamicvit'" in err


def test_a_folder_of_images(capsys, tmp_path):
    from tests.conftest import png_bytes
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(2):
        (photos / f"p{i}.png").write_bytes(png_bytes(seed=i))
    (photos / "notes.txt").write_text("skipped")
    code, out, err = run(capsys, "--page", "t2t", "--image", str(photos), "--gif", "--out", str(tmp_path / "o"))
    assert code == 0, err
    assert "100%" in err  # the progress bar
    for name in ("p0_png", "p1_png"):
        files = set(json.loads((tmp_path / "o" / name / "t2t.json").read_text())["files"])
        assert {"t2t_windows_split1.png", "t2t_window_slide_split1.gif", "t2t_schedule.png"} <= files


# ---------------------------------------------------------------------------------------- equal to the page
@pytest.fixture
def downloaded(monkeypatch):
    """{file name: bytes} of every download button a page run draws (its deferred data made, as a click would)."""
    files = {}

    def button(label, data, file_name=None, mime=None, **kwargs):
        payload = data() if callable(data) else data
        files[file_name] = payload.encode("utf-8") if isinstance(payload, str) else payload
        return False

    monkeypatch.setattr(st, "download_button", button)
    return files


def rendered(tmp_path, page, *extra) -> dict:
    """{file name: bytes} of ``render`` for the page's default state on the default image (scene 0)."""
    assert main(["render", "--page", page, "--image", "scene:0", "--out", str(tmp_path), "--quiet", *extra]) == 0
    return {p.name: p.read_bytes() for p in (tmp_path / "scene_0").iterdir() if p.name != f"{page}.json"}


@pytest.mark.parametrize("page, toggle", [("dynamicvit", "dyn_fate_anim"), ("attention", "attn_cls_anim"),
                                          ("compare", "cmp_fate_anim"), ("t2t", "t2t_slide_anim"),
                                          ("wukong", None), ("poolformer", None)])
def test_render_equals_the_page_downloads(app, downloaded, tmp_path, page, toggle):
    """Every download of the page's default view (and its animation, switched on) equals render's file."""
    at = open_page(app, page)
    if toggle:
        at.toggle(key=toggle).set_value(True).run()
        assert not at.exception
    files = rendered(tmp_path, page, "--gif")
    shared = set(files) & set(downloaded)
    assert len({name for name in shared if name.endswith(".gif")}) == (1 if toggle else 0)
    assert any(name.endswith(".png") for name in shared)
    for name in sorted(shared):
        assert files[name] == downloaded[name], name
    # every page figure (not the interactive HTML) is written by render too
    assert {n for n in downloaded if not n.endswith(".html")} <= set(files)


def test_from_link_uses_the_apps_address_parser():
    """A link's widget values go through the app's own parser: an out-of-range one is noted and dropped (the
    page's default stands), exactly as the page does when that address is opened."""
    notes = []
    state = R.state_from_query("dynamicvit", "dyn_rho=7&dyn_semantics=training&image_mode=scene&scene_index=2",
                               warn=notes.append)
    assert "dyn_rho" not in state and state["dyn_semantics"] == "training"
    assert len(notes) == 1 and "dyn_rho" in notes[0]
    assert R.image_of_link(state) == "scene:2"
