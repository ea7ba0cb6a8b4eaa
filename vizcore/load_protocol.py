"""The load generator's protocol client: each session is one websocket to ``/_stcore/stream`` speaking
Streamlit's protobufs (``BackMsg`` up, ``ForwardMsg`` down) as the browser's frontend does, without a browser,
so the cores measure the server (``python -m vizcore load --client protocol``). All sessions run in one
asyncio process.

What the frontend does (Streamlit 1.67), and this client with it:

- **Connect**: ``GET /_stcore/health`` sets the XSRF cookie (``_streamlit_xsrf``); the websocket offers the
  subprotocols ``streamlit, <that cookie's value>`` and sends the cookie and an ``Origin``.
- **First run**: ``rerun_script`` with the address's query string, ``page_name`` from the url path ("" for
  Home), no page hash and no widget states.
- **The app as drawn** (:class:`AppView`): ``new_session`` gives the session id, the main script's hash, the
  run's id and, for a fragment run, its fragment ids; ``navigation`` the pages (url path -> page hash) and the
  page shown; each delta puts an element or block at its delta path (first index: 0 main, 1 sidebar), with the
  run id, the fragment id and the script that drew it; ``page_info_changed`` the address's new query string
  (the frontend's copy, sent with each rerun, and the browser's address). A fragment's own run writes the
  browser's address through a script element instead (a ``bidi_component`` whose data says ``write``): the
  browser's address changes, the frontend's copy does not (``AppView.location`` against ``AppView.query``).
  ``script_finished`` (successful) removes stale nodes (a full run: every node not drawn by it; a fragment run:
  only the fragment's nodes it did not draw), then the states of widgets no longer drawn.
- **Widget states**: a widget drawn for the first time holds the value it was drawn with (the value the server
  set when ``set_value``, else its default; a radio or select box its option's label, a slider its values, a
  segmented control its options' labels, an uploader no file); drawn again, it keeps the state the client holds
  unless ``set_value``. A changed widget sends ``rerun_script`` with EVERY widget state held (the server takes
  the client's states as the truth), the current page's hash and the query string, and, when the widget was
  drawn inside ``st.fragment``, that delta's ``fragment_id``: the server then reruns the fragment alone.
- **Page switch** (a sidebar link): the page's elements are dropped first; ``rerun_script`` with the new page's
  hash, an empty query string (a page switch drops the address's parameters), and only the states of widgets
  the main script drew (the sidebar's).
- **Message cache**: a ``ForwardMsg`` marked cacheable is kept by its hash, and the hashes held go with each
  rerun; the server then sends ``ref_hash`` instead of a message the client holds. An entry not seen for the
  session's ``max_cached_message_age`` full runs is dropped.
- **Upload**: ``file_urls_request`` (a request id, the file names, the session id) -> ``file_urls_response``
  (a file id, its upload and delete URLs); ``PUT`` of a multipart form (one part named after the file) to the
  upload URL with the cookie and ``X-Xsrftoken`` (the cookie's value), as the server requires; then the
  uploader's state becomes ``uploaded_file_info`` [name, size, file id, file URLs], and a rerun goes.

An interaction's time runs from sending its ``BackMsg`` until the ``script_finished`` of the run it caused
(all of that run's deltas received). Errors: an exception element (or the app's one-line "unexpected error"
message) in a delta, a run that did not finish in time, a closed socket. Leaks are checked as the browser
client does: the sidebar's picture (fetched from its ``/media/...`` URL) and the sidebar's text.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, FileUploaderState, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from vizcore.bench_ui import PAGE_ACTIONS
from vizcore.i18n import STRINGS
from vizcore.load_common import (LANGUAGE_NAME, PAGES, UPLOAD_OPTION, Visitor, centre_colour, session_photo,
                                 shows_colour)

XSRF_COOKIE = "_streamlit_xsrf"
#: element kinds that are widgets (their proto has an ``id``); buttons send triggers only when clicked
WIDGET_KINDS = ("checkbox", "selectbox", "radio", "slider", "number_input", "text_input", "text_area",
                "button_group", "file_uploader", "multiselect", "button", "download_button")
#: the start of the app's one-line message for an unexpected error (vizcore.ui.errors), in each language
UNEXPECTED = tuple(text.split("{id}")[0] for text in STRINGS["msg.unexpected"].values())
DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


def option_label(option) -> str:
    """A segmented control's option as the frontend names it in its state: its icon, then its text."""
    return f"{option.content_icon} {option.content}".strip() if option.content_icon else option.content


def drawn_state(kind: str, el) -> WidgetState | None:
    """The state the frontend gives widget ``el`` (an element's ``kind`` proto) from how it was drawn: the value
    the server set (``set_value``), else its default; None for a widget without a value (a button)."""
    state = WidgetState(id=el.id)
    if kind == "checkbox":
        state.bool_value = el.value if el.set_value else el.default
    elif kind in ("selectbox", "radio"):
        if el.set_value:
            if not el.HasField("raw_value"):
                return None
            state.string_value = el.raw_value
        elif el.HasField("default") and 0 <= el.default < len(el.options):
            state.string_value = el.options[el.default]
        else:
            return None
    elif kind == "slider":
        if el.options:  # a select slider: the options' labels
            labels = list(el.raw_value) if el.set_value and el.raw_value else [el.options[int(i)] for i in el.default]
            state.string_array_value.data.extend(labels)
        else:
            state.double_array_value.data.extend(el.value if el.set_value else el.default)
    elif kind == "number_input":
        value = el.value if el.set_value and el.HasField("value") else el.default if el.HasField("default") else None
        if value is None:
            return None
        if el.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind in ("text_input", "text_area"):
        value = el.value if el.set_value and el.HasField("value") else el.default if el.HasField("default") else None
        if value is None:
            return None
        state.string_value = value
    elif kind == "button_group":
        labels = list(el.raw_values) if el.set_value else [option_label(el.options[i]) for i in el.default
                                                           if 0 <= i < len(el.options)]
        state.string_array_value.data.extend(labels)
    elif kind == "multiselect":
        labels = list(el.raw_values) if el.set_value else [el.options[i] for i in el.default
                                                           if 0 <= i < len(el.options)]
        state.string_array_value.data.extend(labels)
    elif kind == "file_uploader":
        state.file_uploader_state_value.CopyFrom(FileUploaderState())
    else:
        return None
    return state


def widget_key(widget_id: str) -> str:
    """The user key a widget id ends with (``$$ID-<hash>-<key>``), "" for a widget without one."""
    parts = widget_id.split("-", 2)
    return parts[2] if widget_id.startswith("$$ID-") and len(parts) == 3 else ""


@dataclass
class Node:
    """An element or block as drawn at a delta path."""

    kind: str            # the element's type (``slider``, ``imgs``, ...) or ``block``
    proto: object        # the element's own proto (``Slider``, ...) or the Block
    run_id: str          # the run that drew it
    fragment_id: str     # the fragment that drew it ("" outside any)
    script_hash: str     # the script that drew it (the main script: app.py's sidebar)

    @property
    def widget_id(self) -> str:
        return self.proto.id if self.kind in WIDGET_KINDS else ""

    def texts(self) -> list[str]:
        """The text a reader sees in this element."""
        if self.kind in ("markdown", "heading", "alert", "text"):
            return [self.proto.body]
        if self.kind in WIDGET_KINDS:
            return [self.proto.label, *(self.proto.options if self.kind == "radio" else ())]
        return []


class AppView:
    """A session's app as the frontend holds it: its nodes by delta path, its widget states, its address and
    pages, and its message cache. ``apply`` takes each ForwardMsg and returns the problems it showed."""

    def __init__(self):
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.widgets: dict[str, WidgetState] = {}
        self.query = ""            # the frontend's copy of the address (sent with each rerun)
        self.location = ""         # the browser's address (what a user would copy)
        self.page_hash = ""        # the page shown (navigation's page hash)
        self.main_hash = ""        # the main script's (app.py)
        self.pages: dict[str, str] = {}  # url path -> page hash
        self.session_id = ""
        self.run_id = ""
        self.cache: dict[str, list] = {}  # hash -> [ForwardMsg, full runs since it was last seen]
        self.max_age = 2

    # ------------------------------------------------------------------------------------------ state
    def apply(self, msg: ForwardMsg) -> list[str]:
        """Take one message into the view; the problems it shows (an exception, an error message)."""
        if msg.HasField("ref_hash"):
            entry = self.cache.get(msg.ref_hash)
            if entry is None:
                return [f"a reference to a message the client does not hold ({msg.ref_hash})"]
            entry[1] = 0
            full = ForwardMsg()
            full.CopyFrom(entry[0])
            full.metadata.CopyFrom(msg.metadata)
            msg = full
        elif msg.metadata.cacheable and msg.hash:
            self.cache[msg.hash] = [msg, 0]
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.main_hash = msg.new_session.main_script_hash
            self.run_id = msg.metadata.run.script_run_id
            self.max_age = msg.new_session.config.max_cached_message_age or self.max_age
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            if self.page_hash and msg.navigation.page_script_hash != self.page_hash:
                self.clear_page()
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = self.location = msg.page_info_changed.query_string
        elif kind == "delta":
            return self._delta(msg)
        elif kind == "script_finished" and msg.script_finished in DONE:
            self._finished(msg.metadata.run.script_run_id or self.run_id, list(msg.metadata.run.fragment_ids))
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            return [f"the script failed to compile: {msg.session_event.script_compilation_exception.message}"]
        elif kind == "page_not_found":
            return ["page not found"]
        return []

    def _delta(self, msg: ForwardMsg) -> list[str]:
        delta, path = msg.delta, tuple(msg.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "new_element":
            kind = delta.new_element.WhichOneof("type")
            node = Node(kind, getattr(delta.new_element, kind), self.run_id, delta.fragment_id,
                        msg.metadata.active_script_hash)
        elif which == "add_block":
            node = Node("block", delta.add_block, self.run_id, delta.fragment_id, msg.metadata.active_script_hash)
        else:  # a transient (a spinner, a toast) is not part of the page
            return []
        old = self.nodes.get(path)
        same_block = (old is not None and old.kind == node.kind == "block"
                      and old.proto.WhichOneof("type") == node.proto.WhichOneof("type"))
        if old is not None and not same_block:  # what was inside the old node goes with it
            self._drop(lambda p, n: len(p) > len(path) and p[:len(path)] == path)
        self.nodes[path] = node
        if node.kind == "bidi_component" and node.proto.json:
            data = json.loads(node.proto.json)
            if isinstance(data, dict) and data.get("write") and isinstance(data.get("query"), str):
                self.location = data["query"]   # the element's script pushes it into the browser's history
        if node.widget_id and (node.widget_id not in self.widgets or getattr(node.proto, "set_value", False)):
            state = drawn_state(node.kind, node.proto)
            if state is not None:
                self.widgets[node.widget_id] = state
        if node.kind == "exception":
            first_line = node.proto.message.splitlines()[0] if node.proto.message else ""
            return [f"an exception shown: {node.proto.type}: {first_line}"]
        if node.kind == "alert" and node.proto.body.startswith(UNEXPECTED):
            return [f"an unexpected-error message shown: {node.proto.body}"]
        return []

    def _drop(self, stale) -> None:
        """Remove the nodes ``stale(path, node)`` names, and everything inside them."""
        gone = [p for p, n in self.nodes.items() if stale(p, n)]
        for p in gone:
            del self.nodes[p]
        orphans = [p for p in self.nodes if any(p[:k] not in self.nodes for k in range(2, len(p)))]
        for p in orphans:
            del self.nodes[p]

    def _finished(self, run_id: str, fragment_ids: list[str]) -> None:
        if fragment_ids:  # a fragment run: only the fragment's nodes it did not draw again are stale
            self._drop(lambda p, n: n.fragment_id in fragment_ids and n.run_id != run_id)
        else:
            if run_id != self.run_id:
                return
            self._drop(lambda p, n: n.run_id != run_id)
            for entry in self.cache.values():
                entry[1] += 1
            self.cache = {h: e for h, e in self.cache.items() if e[1] <= self.max_age}
        active = self.active_widget_ids()
        self.widgets = {w: s for w, s in self.widgets.items() if w in active}

    def clear_page(self) -> None:
        """Drop what the page drew (a page switch keeps what the main script drew: the sidebar)."""
        self._drop(lambda p, n: n.script_hash != self.main_hash)
        active = self.active_widget_ids()
        self.widgets = {w: s for w, s in self.widgets.items() if w in active}

    def active_widget_ids(self) -> set[str]:
        return {n.widget_id or n.proto.id for n in self.nodes.values()
                if n.widget_id or (n.kind == "block" and n.proto.HasField("id"))}

    # ------------------------------------------------------------------------------------------ reading
    def find(self, kind: str, root: int, key: str | None = None) -> list[tuple[tuple[int, ...], Node]]:
        """The ``kind`` nodes under ``root`` (0 main, 1 sidebar) in document order, with user key ``key``."""
        return [(p, n) for p, n in sorted(self.nodes.items())
                if p[0] == root and n.kind == kind and (key is None or widget_key(n.widget_id) == key)]

    def widget(self, kind: str, key: str, root: int = 1) -> Node:
        found = self.find(kind, root, key)
        if not found:
            raise LookupError(f"no {kind} {key!r} drawn")
        return found[0][1]

    def text(self, root: int) -> str:
        return "\n".join(t for _, n in sorted(self.nodes.items()) if _[0] == root for t in n.texts())

    def image_url(self, root: int) -> str | None:
        """The first picture's URL under ``root``."""
        for _, node in self.find("imgs", root):
            if node.proto.imgs:
                return node.proto.imgs[0].url
        return None

    # ------------------------------------------------------------------------------------------ sending
    def rerun(self, *, page_hash: str | None = None, fragment_id: str = "", widget_ids=None, page_name: str = "",
              url: str = "") -> BackMsg:
        """The ``rerun_script`` BackMsg the frontend sends (see the module docstring)."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash if page_hash is None else page_hash
        cs.page_name = page_name
        held = self.widgets.values() if widget_ids is None else [s for w, s in self.widgets.items() if w in widget_ids]
        cs.widget_states.widgets.extend(held)
        if fragment_id:
            cs.fragment_id = fragment_id
        cs.cached_message_hashes.extend(self.cache)
        info = cs.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = url, False, "light"
        return msg

    def switch_page(self, name: str, url: str = "") -> BackMsg:
        """The page switch to url path ``name`` (the page's elements dropped first)."""
        if name not in self.pages:
            raise LookupError(f"no page {name!r} in the navigation")
        self.clear_page()
        self.query = self.location = ""
        main = {n.widget_id for n in self.nodes.values() if n.widget_id and n.script_hash == self.main_hash}
        return self.rerun(page_hash=self.pages[name], widget_ids=main, url=url)

    def change(self, node: Node, state: WidgetState, url: str = "") -> BackMsg:
        """Set ``node``'s widget state and the rerun a change of it sends (a fragment run inside a fragment)."""
        self.widgets[node.widget_id] = state
        return self.rerun(fragment_id=node.fragment_id, url=url)


def next_slider_state(node: Node, state: WidgetState | None) -> WidgetState:
    """A plain slider moved one step down, or up from its minimum (its value always changes)."""
    el = node.proto
    values = list(state.double_array_value.data) if state is not None and state.HasField("double_array_value") \
        else list(el.default)
    value = values[0]
    value = value + el.step if value - el.step < el.min - 1e-9 else value - el.step
    moved = WidgetState(id=el.id)
    moved.double_array_value.data.extend([round(value, 10), *values[1:]])
    return moved


def next_radio_state(node: Node, state: WidgetState | None) -> WidgetState:
    """A radio group moved to its next option (the arrow key wraps around)."""
    options = list(node.proto.options)
    current = state.string_value if state is not None and state.HasField("string_value") else None
    index = options.index(current) if current in options else -1
    moved = WidgetState(id=node.proto.id)
    moved.string_value = options[(index + 1) % len(options)]
    return moved


class ProtocolSession(Visitor):
    """One visitor as one websocket: its own photo and language, and what it saw."""

    def __init__(self, index: int, sessions: int, url: str, timeout_s: float, every_page: bool = False):
        super().__init__(index, sessions, every_page)
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.view = AppView()
        self.cookies: dict[str, str] = {}
        self.ws = None
        self._reader: asyncio.Task | None = None
        self._waiting: asyncio.Future | None = None  # the script_finished of the run an interaction caused
        self._started = False  # that run has started (its new_session arrived)
        self._file_urls: dict[str, asyncio.Future] = {}
        self._doing = "connect"  # the interaction under way: names what a delta shows
        self.last_run_fragments: list[str] = []  # the fragments the last run ran ([]: the whole script)

    # ------------------------------------------------------------------------------------------ wire
    def _http(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
        """One HTTP request with the session's cookies (blocking: run it in a thread); the reply's body."""
        target = path if path.startswith("http") else self.url + path
        request = urllib.request.Request(target, data=body, method=method, headers=dict(headers or {}))
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
            for header in reply.headers.get_all("Set-Cookie") or ():
                name, _, value = header.split(";")[0].partition("=")
                self.cookies[name.strip()] = value.strip()
            return reply.read()

    async def _connect(self) -> None:
        await asyncio.to_thread(self._http, "GET", "/_stcore/health")
        host = urllib.parse.urlsplit(self.url)
        ws_url = f"{'wss' if host.scheme == 'https' else 'ws'}://{host.netloc}{host.path}/_stcore/stream"
        self.ws = await connect(
            ws_url, subprotocols=["streamlit", self.cookies.get(XSRF_COOKIE, "PLACEHOLDER_AUTH_TOKEN")],
            additional_headers={"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())},
            origin=f"{host.scheme}://{host.netloc}", max_size=None, ping_interval=None,
            open_timeout=self.timeout_s)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        problem: BaseException = ConnectionError("the websocket closed")
        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._receive(msg)
        except ConnectionClosed as err:
            problem = ConnectionError(f"the websocket closed ({err})")
        finally:
            for future in [self._waiting, *self._file_urls.values()]:
                if future is not None and not future.done():
                    future.set_exception(problem)

    def _receive(self, msg: ForwardMsg) -> None:
        for problem in self.view.apply(msg):
            self.error(self._doing, problem)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._started = True
            self.last_run_fragments = list(msg.metadata.run.fragment_ids)
        elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            if self._waiting is not None and self._started and not self._waiting.done():
                self._waiting.set_result(msg.script_finished)
        elif kind == "file_urls_response":
            future = self._file_urls.pop(msg.file_urls_response.response_id, None)
            if future is not None and not future.done():
                future.set_result(msg.file_urls_response)

    async def _send(self, msg: BackMsg) -> None:
        await self.ws.send(msg.SerializeToString())

    async def _interact(self, what: str, send, kind: str = "setup") -> bool:
        """Send what ``send()`` sends and wait for the run it causes; its time recorded, or its failure."""
        self._doing = what
        self._waiting, self._started = asyncio.get_running_loop().create_future(), False

        async def sent_and_finished():
            await send()
            return await self._waiting
        t0 = time.monotonic()
        try:
            status = await asyncio.wait_for(sent_and_finished(), self.timeout_s)
        except Exception as err:  # a timeout or a closed socket: an error of the run, reported, not fatal
            self.failed(what, err)
            return False
        finally:
            if not self._waiting.done():
                self._waiting.cancel()
            self._waiting = None
        self.times.append((kind, time.monotonic() - t0))
        if status not in DONE:
            self.error(what, f"the run ended with status {ForwardMsg.ScriptFinishedStatus.Name(status)}")
        return True

    async def _upload(self, node: Node, name: str, data: bytes) -> None:
        """Upload ``data`` as the frontend does (file URLs, then the PUT), then set the uploader's state."""
        request_id = str(uuid.uuid4())
        self._file_urls[request_id] = asyncio.get_running_loop().create_future()
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.view.session_id
        await self._send(msg)
        reply = await self._file_urls[request_id]
        if reply.error_msg or not reply.file_urls:
            raise RuntimeError(f"no upload URL: {reply.error_msg or 'none given'}")
        urls: FileURLs = reply.file_urls[0]
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        await asyncio.to_thread(self._http, "PUT", urls.upload_url, body, {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": self.cookies.get(XSRF_COOKIE, ""), "Origin": self.url})
        state = WidgetState(id=node.widget_id)
        state.file_uploader_state_value.uploaded_file_info.append(
            UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls))
        await self._send(self.view.change(node, state, self.url))

    async def _sidebar_colour(self):
        """The mean colour of the centre of the sidebar's picture, None when there is none."""
        url = self.view.image_url(1)
        if url is None:
            return None
        return centre_colour(await asyncio.to_thread(self._http, "GET", url))

    async def check_sidebar(self, where: str) -> None:
        """The leak check of the sidebar as it is now (its picture fetched from the server)."""
        try:
            rgb = await self._sidebar_colour()
        except OSError as err:
            self.failed(f"{where} picture", err)
            return
        self.check(where, rgb, self.view.text(1))

    # ------------------------------------------------------------------------------------------ a visit
    def _control(self, name: str) -> tuple[Node, WidgetState]:
        """The control PAGE_ACTIONS names for page ``name``, and its state once moved (a session in Chinese
        moves the first slider, as the browser client does: the labels are English)."""
        kind, arg = PAGE_ACTIONS.get(name, ("slider", None))
        view = self.view
        if kind == "slider":
            sliders = [n for _, n in view.find("slider", 0) if n.proto.type != Slider.SELECT_SLIDER
                       and not n.proto.disabled]
            if self.lang == "en" and arg:
                sliders = [n for n in sliders if n.proto.label.startswith(arg)]
            if not sliders:
                raise LookupError(f"no slider {arg!r} drawn")
            node = sliders[0]
            return node, next_slider_state(node, view.widgets.get(node.widget_id))
        radios = [n for _, n in view.find("radio", 0)]
        if len(radios) <= arg:
            raise LookupError(f"no radio group {arg} drawn")
        node = radios[arg]
        return node, next_radio_state(node, view.widgets.get(node.widget_id))

    async def run(self, photo: bytes, deadline: float) -> None:
        try:
            await self._visit(photo, deadline)
        except Exception as err:  # the session could not go on: counted, the others continue
            self.failed("stopped", err)
        finally:
            await self.close()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    # ------------------------------------------------------------------------------------------ the steps
    async def connect(self) -> None:
        await asyncio.wait_for(self._connect(), self.timeout_s)

    async def open_home(self) -> bool:
        """The first run, as a browser opening the app's address (Home)."""
        return await self._interact("open Home", lambda: self._send(self.view.rerun(url=self.url + "/")))

    async def choose(self, what: str, kind: str, key: str, value: str) -> bool:
        """Choose option ``value`` of the sidebar's ``kind`` widget ``key`` (a select box or radio group)."""
        node = self.view.widget(kind, key)
        if value not in node.proto.options:
            self.error(what, f"no option {value!r} in {list(node.proto.options)}")
            return False
        state = WidgetState(id=node.widget_id, string_value=value)
        return await self._interact(what, lambda: self._send(self.view.change(node, state, self.url)))

    async def upload(self, photo: bytes) -> bool:
        """Upload ``photo`` through the sidebar's uploader (upload mode chosen); whether its run finished."""
        uploader = self.view.widget("file_uploader", "upload")
        return await self._interact("upload", lambda: self._upload(uploader, f"session-{self.index}.png", photo))

    async def open_page(self, name: str) -> bool:
        """Switch to the page at url path ``name``, as its sidebar link does."""
        return await self._interact(f"open {name}", lambda: self._send(self.view.switch_page(name, self.url)),
                                    kind="open")

    async def move_control(self, name: str) -> bool:
        """Move page ``name``'s control (PAGE_ACTIONS) one step."""
        what = f"{name} control"
        try:
            node, state = self._control(name)
        except LookupError as err:
            self.failed(what, err)
            return False
        return await self._interact(what, lambda: self._send(self.view.change(node, state, self.url)), kind="control")

    async def _visit(self, photo: bytes, deadline: float) -> None:
        t0 = time.monotonic()
        await self.connect()
        if not await self.open_home():
            return
        self.times[-1] = ("setup", time.monotonic() - t0)  # Home's time includes the connection, as a browser's
        if self.lang != "en" and not await self.choose("language", "selectbox", "lang", LANGUAGE_NAME[self.lang]):
            return
        if not await self.choose("upload mode", "radio", "image_mode", UPLOAD_OPTION[self.lang]):
            return
        if not await self.upload(photo):
            return
        rgb = await self._sidebar_colour()
        self.upload_shown = shows_colour(rgb, self.colour)
        if not self.upload_shown:
            self.error("upload", "the sidebar does not show the uploaded photo")
        self.check("home", rgb, self.view.text(1))
        visited = 0
        # every session opens one page at least; with every_page, each page once at least
        while self.pages_wanted(visited, deadline, time.monotonic()):
            name = PAGES[visited % len(PAGES)]
            visited += 1
            await self.read()
            if await self.open_page(name):
                self.answered = True
                self.opened.add(name)
                await self.check_sidebar(name)
                await self.read()
                if time.monotonic() < deadline and await self.move_control(name):
                    await self.check_sidebar(f"{name} control")

    async def warm_up(self, pages=("attention",)) -> None:
        """Open Home, then ``pages`` (the server imports its libraries), untimed; raises when a run does not
        finish in time."""
        try:
            await self.connect()
            for ok in (self.open_home, *(lambda name=name: self.open_page(name) for name in pages)):
                if not await ok():
                    raise RuntimeError(f"the warm-up visit failed: {self.errors[-1]}")
        finally:
            await self.close()


async def drive(url: str, visitors: list[ProtocolSession], seconds: float, timeout_s: float, warm: bool) -> float:
    """Run the protocol ``visitors`` against ``url``, arriving 0.2 s apart; returns the seconds they took.
    ``warm``: first one untimed visit of Home and Attention (the server's first import of torch and timm is
    a server start's cost, not a visitor's)."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=len(visitors) + 2))  # uploads and pictures
    if warm:
        await ProtocolSession(0, 1, url, timeout_s * 3).warm_up()
    start = time.monotonic()
    deadline = start + seconds

    async def staggered(v: ProtocolSession):
        await asyncio.sleep(0.2 * v.index)  # a class arrives within seconds, not in the same millisecond
        await v.run(session_photo(v.index, v.sessions), deadline)
    await asyncio.gather(*(staggered(v) for v in visitors))
    return time.monotonic() - start
