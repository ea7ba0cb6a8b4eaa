"""Download menus for figures and their numbers, and tables of numbers."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import numpy as np
import streamlit as st

from vizcore.plots.overlay import to_png
from vizcore.ui.text import column_label, column_labeller, tr


def _csv(rows, header=str) -> str:
    """CSV text of a list of dicts (``header``: column -> its header) or of 2-D numbers."""
    rows = rows() if callable(rows) else rows
    if len(rows) and not isinstance(rows[0], dict):  # a 2-D array of numbers
        return "".join(",".join(f"{v:.6g}" for v in row) + "\n" for row in rows)
    buf = io.StringIO()
    fields = list(rows[0])
    writer = csv.writer(buf)
    writer.writerow([header(str(c)) for c in fields])  # the headers in the reader's language
    writer.writerows([[row.get(c, "") for c in fields] for row in rows])
    return buf.getvalue()


@dataclass(frozen=True)
class Download:
    """One file a download button offers: made only when the button is clicked."""

    label_key: str  # catalogue key of the button's label
    make: object    # () -> bytes | str
    file_name: str
    mime: str


def download_payloads(stem: str, png=None, rows=None, data=None, html=None, svg=None, gif=None) -> list[Download]:
    """The files offered for a figure and its numbers, in button order.

    png: RGB array (H, W, 3), or a function returning one; rows: list of dicts, 2-D numbers, or a function
    returning either (CSV); data: JSON-able, or a function returning it; html: a plotly figure, or a function
    building one (interactive HTML); svg: SVG text; gif: animated GIF bytes, or a function returning them."""
    items = []
    if png is not None:
        items.append(Download("common.download_png", lambda img=png: to_png(img() if callable(img) else img),
                              f"{stem}.png", "image/png"))
    if gif is not None:
        items.append(Download("common.download_gif", lambda g=gif: g() if callable(g) else g, f"{stem}.gif",
                              "image/gif"))
    if svg is not None:
        items.append(Download("common.download_svg", lambda s=svg: s() if callable(s) else s, f"{stem}.svg",
                              "image/svg+xml"))
    if rows is not None and (callable(rows) or len(rows)):
        header = column_labeller()  # the language now: the file is made later, when its button is clicked
        items.append(Download("common.download_csv", lambda r=rows: _csv(r, header), f"{stem}.csv", "text/csv"))
    if data is not None:
        items.append(Download("common.download_json",
                              lambda d=data: json.dumps(d() if callable(d) else d, indent=1, default=str),
                              f"{stem}.json", "application/json"))
    if html is not None:
        items.append(Download("common.download_html",
                              lambda f=html: (f() if callable(f) else f).to_html(include_plotlyjs=True),
                              f"{stem}.html", "text/html"))
    return items


def downloads(stem: str, png=None, rows=None, data=None, html=None, svg=None, gif=None) -> None:
    """A "Download" menu for a figure and its numbers (arguments as :func:`download_payloads`); each file is
    made only when its button is clicked.

    One popover per figure, not a row of buttons: Streamlit gives a deferred download a new id on every
    rerun, so visible buttons are all drawn again each time a control moves; closed, the menu's buttons
    cost the browser nothing."""
    items = download_payloads(stem, png=png, rows=rows, data=data, html=html, svg=svg, gif=gif)
    if not items:
        return
    formats = " · ".join(item.file_name.rsplit(".", 1)[1].upper() for item in items)
    with st.popover(tr("common.download_menu", formats=formats), icon=":material/download:"):
        for item in items:
            ext = item.file_name.rsplit(".", 1)[1]
            st.download_button(tr(item.label_key), item.make, item.file_name, item.mime, key=f"dl_{ext}_{stem}",
                               on_click="ignore", icon=":material/download:", width="stretch")


def number_text(value) -> str:
    """How a table shows a number: integers as integers (145, not 145.0000), other floats with four
    significant digits (0.9485, 93.7, 0.0732), missing values as an en dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:.0f}"


def number_table(rows, **kwargs) -> None:
    """``st.table`` of a list of dicts (or a DataFrame) whose float columns are shown as
    :func:`number_text` (st.table would print 145.0000). The columns become text; a styler would keep them
    numeric but costs about 10 ms per table per run, this costs microseconds."""
    import pandas as pd  # deferred: about 1 s on its first import, and Home never needs it

    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    df.columns = [column_label(str(c)) for c in df.columns]  # the headers in the reader's language
    for c in df.columns:
        if df[c].dtype.kind in "fc" or (df[c].dtype == object and any(isinstance(v, float) for v in df[c])):
            df[c] = [number_text(v) if isinstance(v, (int, float, np.number)) or v is None else v for v in df[c]]
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.table(df, **kwargs)
