"""No traceback reaches a visitor: an unexpected error in a page run becomes a one-line message with a short
id, and the full traceback goes to the server log under that id."""
from __future__ import annotations

import logging
import secrets
import sys
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from vizcore.ui.text import tr

LOG = logging.getLogger("tokenlab")
if not LOG.handlers:  # the server's own log (stderr), with the time: an operator greps it for the id
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(_handler)
    LOG.setLevel(logging.INFO)


def report_unexpected(err: BaseException) -> str:
    """Log ``err`` with its traceback under a new short id; return the id (8 hex digits)."""
    error_id = secrets.token_hex(4)
    LOG.error("unexpected error %s on a page run", error_id, exc_info=(type(err), err, err.__traceback__))
    return error_id


@contextmanager
def guarded() -> Iterator[None]:
    """Run a page inside: an Exception shows ``msg.unexpected`` with its id instead of a traceback.
    Streamlit's own control flow (st.rerun, st.stop: BaseExceptions) passes through."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 - the one place every unexpected error ends
        st.error(tr("msg.unexpected", id=report_unexpected(err)), icon=":material/error:")
