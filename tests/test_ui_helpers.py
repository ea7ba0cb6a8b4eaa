"""Small helpers of vizcore.ui that the pages share."""
import math

import numpy as np

from conftest import _TableReader
from vizcore.ui import number_text
from vizcore.ui.downloads import TABLE_CLASS, cell_text, table_html


def test_number_text():
    assert number_text(145.0) == "145" and number_text(np.float32(3.0)) == "3"
    assert number_text(np.int64(196)) == "196" and number_text(7) == "7"
    assert number_text(0.9485) == "0.9485" and number_text(93.7) == "93.7" and number_text(0.073214) == "0.07321"
    assert number_text(12345.6) == "12346" and number_text(-0.5) == "-0.5"
    assert number_text(math.nan) == "–" and number_text(None) == "–"
    assert number_text(True) == "True"


def test_table_html_escapes_every_cell_and_reads_back():
    columns = ["Method", "GMACs", "<b>x</b> & y"]
    rows = [[cell_text("ToMe"), cell_text(0.05234), cell_text(None)],
            [cell_text("<script>alert(1)</script>"), cell_text(145.0), cell_text("https://example.org/a?b=1&c=2")]]
    text = table_html(columns, rows)
    assert text.startswith(f'<div class="{TABLE_CLASS}">') and "<script>" not in text and "<b>" not in text
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank">' in text  # a whole address is a link
    assert '<td class="num">0.05234</td>' in text and '<td class="num">145</td>' in text  # numbers right-aligned
    assert "<td>–</td>" in text and '<td class="num">' not in text.split("ToMe")[0]  # text is not
    reader = _TableReader()
    reader.feed(text)
    assert reader.rows == [columns, ["ToMe", "0.05234", "–"],
                           ["<script>alert(1)</script>", "145", "https://example.org/a?b=1&c=2"]]


def test_download_payloads_make_valid_files():
    import csv
    import io
    import json

    import plotly.graph_objects as go
    from PIL import Image

    from vizcore.ui import download_payloads

    img = np.zeros((12, 20, 3), np.uint8)
    img[:, :10] = (255, 0, 0)
    calls = []

    def lazy_rows():
        calls.append(1)
        return [{"layer": 0, "tokens": 36}, {"layer": 1, "tokens": 25}]

    items = download_payloads("fig", png=img, rows=lazy_rows, data={"rho": 0.7, "grid": (6, 6)},
                              html=lambda: go.Figure(go.Bar(x=[1, 2], y=[3, 4])), svg="<svg></svg>")
    assert [i.file_name for i in items] == ["fig.png", "fig.svg", "fig.csv", "fig.json", "fig.html"]
    assert calls == []  # nothing is made before a button is clicked
    files = {i.file_name: i.make() for i in items}
    decoded = np.asarray(Image.open(io.BytesIO(files["fig.png"])))
    assert files["fig.png"][:8] == b"\x89PNG\r\n\x1a\n" and np.array_equal(decoded, img)  # lossless
    assert list(csv.DictReader(io.StringIO(files["fig.csv"]))) == [{"layer": "0", "tokens": "36"},
                                                                  {"layer": "1", "tokens": "25"}]
    assert json.loads(files["fig.json"]) == {"rho": 0.7, "grid": [6, 6]}
    assert "<html>" in files["fig.html"][:40] and "Plotly.newPlot" in files["fig.html"]
    assert files["fig.svg"] == "<svg></svg>"
    assert [i.mime for i in items] == ["image/png", "image/svg+xml", "text/csv", "application/json", "text/html"]
    # a 2-D array of numbers becomes CSV rows; nothing to offer, no menu
    (grid,) = download_payloads("g", rows=np.array([[0.5, 1.0], [2.0, 3.25]]))
    assert grid.make() == "0.5,1\n2,3.25\n"
    assert download_payloads("empty", rows=[]) == []
    (lazy_json,) = download_payloads("d", data=lambda: calls.append(2) or {"stages": [1, 2]})
    assert 2 not in calls and json.loads(lazy_json.make()) == {"stages": [1, 2]} and 2 in calls


def test_shared_lru_keeps_the_most_recent_and_makes_each_value_once():
    from vizcore.ui import SharedLRU
    lru, made = SharedLRU(2), []

    def make(k):
        made.append(k)
        return {"k": k}

    a = lru.get_or_make("a", lambda: make("a"))
    assert lru.get_or_make("a", lambda: make("a")) is a and made == ["a"]  # a hit: the same object
    lru.get_or_make("b", lambda: make("b"))
    assert lru.get("a") is a  # "a" is now the most recent ...
    lru.get_or_make("c", lambda: make("c"))  # ... so "b" drops out
    assert lru.get("b") is None and lru.get("a") is a and len(lru) == 2
    lru.get_or_make("b", lambda: make("b"))
    assert made == ["a", "b", "c", "b"]


def test_image_encoding_memo_never_hands_out_another_pictures_bytes():
    """The memo finds read-only pictures by identity: a new picture at a recycled address, or a writable one
    changed in place, must still be encoded from its own pixels."""
    from PIL import Image
    from streamlit.elements.lib import image_utils

    import vizcore.ui  # noqa: F401  (installs the memo)

    def expected(a):
        return image_utils._pil_to_bytes(Image.fromarray(a.astype(np.uint8)), "PNG")

    encode = image_utils._np_array_to_bytes
    assert getattr(encode, "memoised", False)
    rng = np.random.default_rng(0)
    seen = set()
    for i in range(40):  # fresh read-only arrays, many of them at an address an earlier one had
        a = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
        a.setflags(write=False)
        seen.add(id(a))
        assert encode(a, "PNG") == expected(a)
        assert encode(a, "PNG") == expected(a)  # the identity hit
        del a  # freed at once (no cycles): the next array may get its address
    base = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
    view = base[:, :]
    view.setflags(write=False)  # read-only, but its base is not
    assert encode(view, "PNG") == expected(view)
    base[:] = 0
    assert encode(view, "PNG") == expected(view)
    w = rng.integers(0, 256, (16, 24, 3), dtype=np.uint8)
    first = encode(w, "PNG")
    w[:4] = 0  # writable: changed in place, so encoded again
    assert encode(w, "PNG") == expected(w) != first


def test_drawn_pictures_are_read_only():
    from vizcore.ui import read_only
    a, b = np.zeros((2, 2, 3), np.uint8), np.ones((2, 2, 3), np.uint8)
    assert not read_only(a).flags.writeable
    out = read_only((b, {"x": 1}))
    assert not out[0].flags.writeable and out[1] == {"x": 1}
