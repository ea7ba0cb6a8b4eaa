"""Who may make the server open its own files: the checkpoint-path box is for the machine's owner.

It exists when the operator says so (``TOKEN_LAB_SERVER_PATHS=1``) or, by default, only while the server
listens on this machine alone (``server.address`` localhost / 127.x / ::1). Visitors upload files instead.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import streamlit as st

#: environment variable: "1" shows the checkpoint-path box whatever the address, "0" hides it
SERVER_PATHS_ENV = "TOKEN_LAB_SERVER_PATHS"
_LOCAL = ("localhost", "::1", "[::1]")


def server_paths_allowed(address: str | None, setting: str | None) -> bool:
    """May visitors of a server listening on ``address`` name files on it? ``setting`` (the environment
    variable's value) decides when given; else only a server that listens on this machine alone."""
    if setting is not None and setting.strip():
        return setting.strip().lower() in ("1", "true", "yes", "on")
    address = (address or "").strip().lower()
    return address in _LOCAL or address.startswith("127.")


def server_paths_enabled() -> bool:
    """server_paths_allowed for this server's ``server.address`` and the environment."""
    return server_paths_allowed(st.get_option("server.address"), os.environ.get(SERVER_PATHS_ENV))


def _shown(text: str) -> str:
    return text if len(text) <= 60 else text[:40] + "…" + text[-12:]


def checkpoint_path_key(text: str) -> tuple[str, str]:
    """(a key naming the file at ``text`` by its path and modification time, "") when it is a regular file,
    else ("", a one-line message). Never raises: ``~nosuchuser/…``, over-long names and the like are
    messages too."""
    shown = _shown(text)
    try:
        path = Path(text).expanduser()
        info = path.stat()
    except RuntimeError:  # expanduser: no such user, or no home directory
        return "", f"Cannot use '{shown}': the home directory in it does not exist."
    except FileNotFoundError:
        return "", f"No checkpoint file at '{shown}'."
    except OSError as err:
        return "", f"Cannot use '{shown}': {(err.strerror or type(err).__name__).lower()}."
    except ValueError:  # an embedded NUL byte
        return "", f"'{shown}' is not a valid path."
    if not stat.S_ISREG(info.st_mode):
        return "", f"'{shown}' is not a file."
    return f"path:{path}:{info.st_mtime_ns}", ""
