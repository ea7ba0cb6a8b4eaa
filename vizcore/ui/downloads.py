"""Download menus for figures and their numbers, and tables of numbers."""
from __future__ import annotations

import csv
import html
import io
import json
import re
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


#: the class of the tables :func:`number_table` draws (their style is in the page style every page gets)
TABLE_CLASS = "vz-table"
_NUMBER = re.compile(r"[-+−]?(\d[\d,]*\.?\d*|\.\d+)(e[-+]?\d+)?\s*%?")


def cell_text(value) -> str:
    """What a table cell shows: numbers as :func:`number_text`, missing values as an en dash, the rest as text."""
    if value is None or isinstance(value, (bool, np.bool_, int, float, np.number)):
        return number_text(value)
    return str(value)


def table_html(columns: list[str], rows: list[list[str]]) -> str:
    """An HTML table of text (every header and cell escaped). A cell that is a whole http(s) address is a
    link; cells that read as numbers are right-aligned."""
    def cell(text: str) -> str:
        if text.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
            return f'<td><a href="{html.escape(text)}" target="_blank">{html.escape(text)}</a></td>'
        align = ' class="num"' if _NUMBER.fullmatch(text) else ""
        return f"<td{align}>{html.escape(text)}</td>"

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(t) for t in row) + "</tr>" for row in rows)
    return (f'<div class="{TABLE_CLASS}"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def number_table(rows: list[dict]) -> None:
    """A table of a list of dicts (columns in the order their keys first appear; a missing value shows as an en
    dash), headers in the reader's language, numbers as :func:`number_text` (145, not 145.0000).

    Drawn as one HTML element, not ``st.table``: st.table renders every cell as Markdown, a React component
    and a Markdown parse per cell each time the table is drawn, which made a control's move on Compare about
    a fifth slower (paired bench-ui rounds) than the same page with this table."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[cell_text(row.get(key)) for key in columns] for row in rows]
    st.html(table_html([column_label(str(key)) for key in columns], cells))  # headers in the reader's language
