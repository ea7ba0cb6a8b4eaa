"""Shared test helpers for the Streamlit pages."""
import io
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def image_urls(at) -> list[str]:
    """The media URLs of every st.image on the page (they change when the picture changes)."""
    return [url for el in at.get("image") for url in el.value]


def image_captions(at) -> list[str]:
    return [c for el in at.get("image") for c in el.captions]


class _TableReader(HTMLParser):
    """The header and cell texts of the HTML tables ``number_table`` draws."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = []

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None


@dataclass
class Table:
    """A table on the page: ``value`` is a DataFrame of its cells' text (integers read back as int)."""

    value: object


def _typed(text: str):
    return int(text) if text.lstrip("-").isdigit() else text


def tables(at) -> list[Table]:
    """The tables ``number_table`` drew on the page (HTML elements of class TABLE_CLASS), in page order."""
    import pandas as pd

    from vizcore.ui.downloads import TABLE_CLASS

    found = []
    for el in at.get("html"):
        if f'class="{TABLE_CLASS}"' not in el.value:
            continue
        reader = _TableReader()
        reader.feed(el.value)
        header, *body = reader.rows
        found.append(Table(pd.DataFrame([[_typed(t) for t in row] for row in body], columns=header)))
    return found


def png_bytes(h=90, w=120, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def assert_clean(at):
    """No exception element and no traceback text anywhere on the page, and every chart readable."""
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(str(m.value) for m in [*at.markdown, *at.error, *at.warning, *at.info, *at.caption])
    assert "Traceback" not in text
    for el in at.get("vega_lite_chart"):
        assert_chart_readable(json.loads(el.proto.spec))


def assert_chart_readable(spec: dict):
    """A chart's text is drawn at 14 CSS px or more (set in its spec: drawn on a canvas, the browser test
    cannot measure it) by the renderer every chart uses."""
    from vizcore.plots.fonts import MIN_CSS_PX
    from vizcore.plots.vega import RENDERER
    sizes = {f"{part}.{key}": size for part, settings in spec.get("config", {}).items() if isinstance(settings, dict)
             for key, size in settings.items() if key.lower().endswith("fontsize")}
    assert {"axis.labelFontSize", "axis.titleFontSize", "legend.labelFontSize", "title.fontSize"} <= set(sizes)

    def marks(node):  # the font sizes set on the marks themselves
        if isinstance(node, dict):
            yield from (v for k, v in node.items() if k.lower().endswith("fontsize"))
            yield from (x for v in node.values() for x in marks(v))
        elif isinstance(node, list):
            yield from (x for v in node for x in marks(v))
    on_marks = list(marks({k: v for k, v in spec.items() if k not in ("config", "datasets")}))
    assert min([*sizes.values(), *on_marks]) >= MIN_CSS_PX, (sizes, on_marks)
    assert spec["usermeta"]["embedOptions"]["renderer"] == RENDERER


@pytest.fixture(autouse=True, scope="session")
def _navigation_not_pages_directory():
    """AppTest re-detects the ``pages/`` folder before every run and then replays the page file alone
    (the old multipage mode), skipping app.py's st.navigation and shared sidebar. The real server
    detects it once and st.navigation switches it off; do the same here."""
    from streamlit.runtime.pages_manager import PagesManager
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    yield
    PagesManager.__init__ = original


@pytest.fixture
def app():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert_clean(at)
    return at


def open_page(app, page: str):
    """The app switched to ``pages/<page>.py``, run, and clean."""
    app.switch_page(f"pages/{page}.py")
    app.run()
    assert_clean(app)
    return app


@pytest.fixture
def attention_page(app):
    return open_page(app, "attention")


@pytest.fixture
def dyn_page(app):
    return open_page(app, "dynamicvit")


@pytest.fixture
def compare_page(app):
    return open_page(app, "compare")


@pytest.fixture
def trade_page(app):
    return open_page(app, "tradeoffs")
