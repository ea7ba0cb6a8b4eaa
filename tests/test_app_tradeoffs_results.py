"""The Trade-offs page shows a results file of ``python -m vizcore sweep`` uploaded by the user (AppTest), as a
layer of its own with its source, and the accuracy axis and the published table do not mislead."""
import json

from vizcore.i18n import STRINGS, t

from conftest import assert_clean, tables

RECORD = {"config": {"label": "EViT 0.7", "model": "deit_small_patch16_224", "method": "evit", "setting": 0.7,
                     "locs": [3, 6, 9]}, "data_name": "val", "n": 50000, "top1": 0.7812, "top5": 0.94, "gmacs": 3.03,
          "mean_tokens": 120.5, "keep_precision": None, "images_per_s": 812.5, "device": "cuda:0",
          "date": "2026-12-06T23:10:00+00:00"}


def _chart(at):
    el, = at.get("vega_lite_chart")
    return json.loads(el.proto.spec), {d.name for d in el.proto.datasets}


def _header(column: str, lang: str) -> str:
    """A column's header as the page writes it in ``lang`` (tables translate their headers)."""
    key = f"col.{column}"
    return t(key, lang) if key in STRINGS else column


def _table(at, column: str, lang: str = "en"):
    """The page's table that has ``column`` (by its header in ``lang``)."""
    table, = [t.value for t in tables(at) if _header(column, lang) in t.value.columns]
    return table


def test_an_uploaded_results_file_joins_the_chart_and_gets_its_table(trade_page):
    at = trade_page
    spec, names = _chart(at)
    assert "loaded" not in names
    published = _table(at, "throughput")
    assert "-" not in set(published["setting"]) and "full model (no reduction)" in set(published["setting"])
    text = json.dumps(RECORD) + "\n" + json.dumps({**RECORD, "config": {**RECORD["config"], "label": "ViT",
                                                                       "method": "plain", "setting": None},
                                                   "top1": 0.798, "gmacs": 4.6}) + "\n"
    at.file_uploader(key="trade_results_file").set_value(("sweep.jsonl", text.encode(), "application/json")).run()
    assert_clean(at)
    spec, names = _chart(at)
    assert "loaded" in names and "loaded results (right axis)" in json.dumps(spec)
    assert any("Loaded from sweep.jsonl: 2 configurations on val, n=50000, 2026-12-06" in c.value for c in at.caption)
    loaded = _table(at, "images_per_s")  # the loaded results' own table
    assert list(loaded["label"]) == ["EViT 0.7", "ViT"] and set(loaded["source"]) == {"val, n=50000, 2026-12-06"}
    # the accuracy axis: fitted to the data, the whole 0-1 range on request
    assert '"domain": [0, 1]' not in json.dumps(spec)
    at.toggle(key="trade_y01").set_value(True).run()
    assert_clean(at)
    assert '"domain": [0, 1]' in json.dumps(_chart(at)[0])
    at.selectbox(key="lang").set_value("zh").run()
    assert_clean(at)
    text = json.dumps(_chart(at)[0], ensure_ascii=False)
    assert "载入的结果（右轴）" in text and "帕累托前沿" in text and "Pareto front" not in text
    assert "完整模型（不削减）" in set(_table(at, "throughput", "zh")[_header("setting", "zh")])


def test_a_file_that_is_no_results_file_is_a_warning(trade_page):
    at = trade_page
    at.file_uploader(key="trade_results_file").set_value(("notes.jsonl", b"hello\n", "application/json")).run()
    assert_clean(at)
    assert at.warning and "line 1: not a JSON record" in at.warning[0].value
    assert "loaded" not in _chart(at)[1]
