"""Browser benchmark of the app's pages against a trivial Streamlit page, measured in one run.

``python -m vizcore bench-ui --json`` starts the app and a one-slider page on free ports, drives Debian's
chromium with Playwright, and reports per page:
- cold: the first render of the page's first visit in the run (a fresh browser context opening its URL
  until it has settled), and "reopen", the median of two more such opens (the server has its pictures);
- warm: the p50 of one control moved back and forth until the page has settled, and for sliders "fresh",
  the p50 of a slider dragged through values the app has not seen;
each warm move comes right after one on the trivial page, so both series see the same machine load.
"Settled": Streamlit's run has finished and the time is that of the last DOM change or canvas drawing, so
charts drawn after the run (on SVG or on a canvas) and late images count; each row says what changed last.
``--against DIR`` serves a second checkout of the app beside this one (an earlier commit's worktree) and
moves the same control on both in the same rounds: a before/after comparison from one run, not from two
runs minutes apart on a machine whose load drifts. Not a test: it prints numbers.
"""
from __future__ import annotations

import collections
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
TRIVIAL_APP = """import streamlit as st
value = st.slider("Value", 0, 100, 50)
choice = st.radio("Choice", ["a", "b"], horizontal=True)
st.write(f"The value is {value}, the choice {choice}")
"""
# url path -> the control changed for a warm interaction: a slider (by aria-label prefix) moved one step,
# or the n-th radio group of the page toggled between its first two options
PAGE_ACTIONS = {
    "attention": ("slider", "Layer"),
    "wukong": ("radio", 0),
    "t2t": ("slider", "kernel k"),
    "poolformer": ("radio", 0),
    "dynamicvit": ("slider", "Keep ratio ρ"),
    "compare": ("slider", "Keep ratio ρ (pruners)"),
    "tradeoffs": ("radio", 1),
}
SIGNATURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  return Array.from(main.querySelectorAll('img')).map(e => e.src).join('|') + '#' + main.innerText;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start for {script}")


#: installed in every page before its scripts: the time of the latest DOM change or canvas drawing
#: (performance.now() clock) and what changed last (the nearest element's data-testid). A chart drawn on a
#: canvas changes no DOM node when its data change: its drawing calls count instead, timed when the
#: synchronous drawing pass that made them has ended.
OBSERVER_JS = """(() => {
  window.__lastChange = performance.now();
  window.__lastWhat = '';
  const what = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    const owner = el && el.closest('[data-testid]');
    return owner ? owner.getAttribute('data-testid') : (el ? el.tagName.toLowerCase() : '');
  };
  const watch = () => new MutationObserver((records) => {
    window.__lastChange = performance.now();
    window.__lastWhat = what(records[records.length - 1].target);
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
  let pending = false;
  const proto = CanvasRenderingContext2D.prototype;
  for (const name of ['clearRect', 'fillRect', 'strokeRect', 'fill', 'stroke', 'fillText', 'strokeText',
                      'drawImage', 'putImageData']) {
    const original = proto[name];
    proto[name] = function (...args) {
      if (!pending) {
        pending = true;
        const canvas = this.canvas;
        queueMicrotask(() => {
          pending = false;
          window.__lastChange = performance.now();
          window.__lastWhat = what(canvas) + ' (canvas)';
        });
      }
      return original.apply(this, args);
    };
  }
})()"""
#: Streamlit has finished the run: the app says so and no element is still marked stale
RUN_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  return state && !['running', 'rerunRequested', 'initial'].includes(state)
    && !document.querySelector('[data-stale="true"]');
}"""
QUIET_MS = 300


def _settled(page, t0_ms: float, timeout=180_000) -> float:
    """Seconds from ``t0_ms`` (the page's performance clock) until the page settled: the run has finished
    and nothing in the DOM changed for QUIET_MS; the time is that of the last change, so charts that draw
    after the run (plotly) and images that load late are counted, the quiet wait is not."""
    page.wait_for_function(RUN_DONE_JS, timeout=timeout)
    page.wait_for_function(f"() => performance.now() - window.__lastChange > {QUIET_MS}", timeout=timeout,
                           polling=50)
    last = page.evaluate("window.__lastChange")
    return max(0.0, (last - t0_ms) / 1000)


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(OBSERVER_JS)
    return context, context.new_page()


def _open(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    heading = '[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stMarkdownContainer"]'
    page.locator(heading).first.wait_for(timeout=180_000)


def _cold(browser, url: str) -> float:
    """A fresh browser context opens ``url``: seconds from navigation start until the page settled."""
    context, page = _new_page(browser)
    _open(page, url)
    elapsed = _settled(page, 0.0)  # performance.now() counts from the navigation's start
    context.close()
    return elapsed


class _Control:
    """One page open in its own browser context, with the control a warm interaction changes: a slider (by
    aria-label prefix) moved one step, or the n-th radio group toggled between its first two options."""

    def __init__(self, browser, url: str, action: tuple[str, str | int | None], timeout: float = 60_000):
        self.context, self.page = _new_page(browser)
        self.kind, self.timeout = action[0], timeout
        _open(self.page, url)
        _settled(self.page, 0.0)
        if self.kind == "slider":
            label = action[1]
            sel = (f'[data-testid="stMain"] input[type="range"][aria-label^="{label}"]' if label
                   else '[data-testid="stMain"] input[type="range"]')
            self.thumb = self.page.locator(sel).first
        else:
            self.group = self.page.locator('[data-testid="stMain"] [data-testid="stRadio"]').nth(action[1])
        self.moves = 0
        self.last_changes: list[str] = []  # per move: what changed last (see OBSERVER_JS)

    def at_minimum(self) -> bool:
        return self.kind == "slider" and self.thumb.get_attribute("value") == self.thumb.get_attribute("min")

    def move(self, fresh: bool = False) -> float:
        """Seconds from the key press until the page has settled (waiting first for the main area's images
        or text to change, so the run has begun). Back and forth between two values (the pictures of both
        are cached after the first visit), or with ``fresh`` a slider moved one step down, as a user
        dragging it: each value is new to the app."""
        page = self.page
        before = page.evaluate(SIGNATURE_JS)
        # both kinds by keyboard on a focused control, as the trivial page's floor: a mouse click would add
        # Playwright's own actionability checks (scrolling, waiting for stable layout) to the time
        if self.kind == "slider":
            self.thumb.focus()
        else:
            self.group.locator("input[type=radio]:checked").focus()
        t0 = page.evaluate("performance.now()")
        forward = fresh or self.moves % 2 == 0
        if self.kind == "slider":
            page.keyboard.press("ArrowLeft" if forward else "ArrowRight")
        else:
            page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
        self.moves += 1
        page.wait_for_function(f"(old) => ({SIGNATURE_JS})() !== old", arg=before, timeout=self.timeout)
        elapsed = _settled(page, t0, self.timeout)
        self.last_changes.append(page.evaluate("window.__lastWhat"))
        return elapsed

    def close(self) -> None:
        self.context.close()


def interleaved_order(n_apps: int, repeat: int) -> list[int]:
    """The order in which the apps move in round ``repeat``: rotated each round, so no app always moves
    first after the trivial page."""
    return [(repeat + k) % n_apps for k in range(n_apps)]


def _paired(browser, urls: list[str], action, floor_url: str, floor_action, repeats: int,
            fresh: bool = False) -> tuple[list[list[float]], list[float], list[list[str]]]:
    """``repeats`` rounds of interactions: one on the trivial page (same kind of control), then one on each of
    ``urls`` (the same page of each app compared, in a rotating order): the series see the same machine load,
    so their ratios hold even when the load drifts during a run. With ``fresh``, every value is new to the
    app (the first step, known from the back-and-forth moves, is not timed), and it stops when a slider
    reaches its minimum. Returns each url's times, the trivial page's, and each url's last changes."""
    controls = []
    try:
        for url in [*urls, floor_url]:
            controls.append(_Control(browser, url, action if url != floor_url else floor_action))
        *pages, floor = controls
        times, floor_times = [[] for _ in pages], []
        if fresh:  # the first step left was visited by the back-and-forth moves: start one further
            for c in controls:
                c.move(fresh)
        for i in range(repeats):
            if fresh and any(c.at_minimum() for c in controls):  # the trivial slider (0..100) has far more room
                break
            floor_times.append(floor.move(fresh))
            for k in interleaved_order(len(pages), i):
                times[k].append(pages[k].move(fresh))
        return times, floor_times, [c.last_changes for c in pages]
    finally:
        for c in controls:
            c.close()


def _median_ratio(times: list[float], floor: list[float]) -> float:
    return round(statistics.median(times) / statistics.median(floor), 2)


def paired_ratios(this: list[float], other: list[float]) -> dict:
    """This app's moves against the other's, round by round (each pair saw the same load): the median of the
    per-round ratios, its interquartile range, and in how many rounds this app was the faster."""
    ratios = sorted(a / b for a, b in zip(this, other))
    q1, _, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
    return {"over_against": round(statistics.median(ratios), 2), "over_against_iqr": [round(q1, 2), round(q3, 2)],
            "faster_rounds": f"{sum(r < 1 for r in ratios)}/{len(ratios)}"}


def _page_row(cold: float, reopen: float, warm: list[float], floor: list[float], floor_kind: str,
              fresh: list[float], floor_fresh: list[float], last: list[str]) -> dict:
    row = {"cold_s": round(cold, 3), "reopen_s": round(reopen, 3), "warm_p50_s": round(statistics.median(warm), 3),
           "warm_s": [round(t, 3) for t in warm], "floor_p50_s": round(statistics.median(floor), 3),
           "warm_over_floor": _median_ratio(warm, floor), "floor": floor_kind,
           # what the page changed last after a move, by how often (a late chart, a caption, an image)
           "last_change": dict(collections.Counter(last).most_common())}
    if fresh:
        row.update({"fresh_p50_s": round(statistics.median(fresh), 3), "fresh_n": len(fresh),
                    "floor_fresh_p50_s": round(statistics.median(floor_fresh), 3),
                    "fresh_over_floor": _median_ratio(fresh, floor_fresh)})
    return row


def run(pages: list[str], repeats: int = 5, chromium: str = "/usr/bin/chromium", against: Path | None = None) -> dict:
    """Per page: cold open, warm interaction p50 and, for sliders, dragging to new values, each warm series
    paired move by move with the trivial page's (its ``floor_*`` figures); plus the trivial page's own
    cold open. With ``against`` (another checkout of the app, e.g. an earlier commit's), its pages are served
    too and measured in the same rounds (``against`` in each row, and ``over_against``: this app's warm p50
    over the other's)."""
    from playwright.sync_api import sync_playwright  # deferred: a test-only dependency, needed by this command only
    roots = [ROOT, *([Path(against).resolve()] if against else [])]
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "trivial.py"
        trivial.write_text(TRIVIAL_APP)
        procs = []
        try:
            app_urls = []
            for root in roots:
                proc, url = _serve(root / "app.py", root)
                procs.append(proc)
                app_urls.append(url)
            triv_proc, triv_url = _serve(trivial, Path(tmp))
            procs.append(triv_proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                # the server's first import of torch/timm is not a page's cost: Home starts the warm-up, and a
                # model page (every page but Home waits for it) returns once it is done; Trade-offs loads no
                # model (it keeps only its table of configurations cached)
                for app_url in app_urls:
                    _cold(browser, app_url)
                    _cold(browser, f"{app_url}/tradeoffs")
                floor_cold = statistics.median(_cold(browser, triv_url) for _ in range(3))
                all_floor = {"slider": [], "radio": [], "fresh": []}
                rows = {}
                for name in pages:
                    urls = [f"{app_url}/{name}" for app_url in app_urls]
                    action = PAGE_ACTIONS.get(name, ("slider", None))
                    floor_action = ("slider", None) if action[0] == "slider" else ("radio", 0)
                    floor_kind = "trivial slider" if action[0] == "slider" else "trivial radio"
                    try:
                        colds = [_cold(browser, url) for url in urls]  # each page's first visit: nothing cached yet
                        reopens = [statistics.median(_cold(browser, url) for _ in range(2)) for url in urls]
                        warm, floor, last = _paired(browser, urls, action, triv_url, floor_action, repeats)
                        fresh, floor_fresh, _ = (_paired(browser, urls, action, triv_url, floor_action, repeats,
                                                         fresh=True)
                                                 if action[0] == "slider" else ([[] for _ in urls], [], None))
                    except Exception as err:  # a page that never updates is a finding, not the end of the run
                        rows[name] = {"error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
                        print(f"{name}: {rows[name]['error']}", file=sys.stderr)
                        continue
                    all_floor[floor_action[0]] += floor
                    all_floor["fresh"] += floor_fresh
                    each = [_page_row(colds[k], reopens[k], warm[k], floor, floor_kind, fresh[k], floor_fresh, last[k])
                            for k in range(len(urls))]
                    rows[name] = each[0]
                    if against:
                        rows[name]["against"] = each[1]
                        rows[name].update(paired_ratios(warm[0], warm[1]))
                    print(f"{name}: cold {colds[0]:.2f} s, warm p50 {statistics.median(warm[0]):.3f} s "
                          f"({each[0]['warm_over_floor']}x)"
                          + (f"; against {statistics.median(warm[1]):.3f} s ({each[1]['warm_over_floor']}x)"
                             if against else ""), file=sys.stderr)
                browser.close()
        finally:
            for proc in procs:
                proc.terminate()
    med = {k: round(statistics.median(v), 3) if v else None for k, v in all_floor.items()}
    return {"trivial_cold_s": round(floor_cold, 3), "trivial_warm_p50_s": med["slider"],
            "trivial_radio_p50_s": med["radio"], "trivial_fresh_p50_s": med["fresh"],
            "pages": rows, "repeats": repeats, "loadavg_1m": round(os.getloadavg()[0], 2),
            **({"against": str(Path(against).resolve())} if against else {})}


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("bench-ui", help="time every page in chromium against a trivial Streamlit page")
    p.add_argument("--pages", default=",".join(PAGE_ACTIONS), help="comma-separated url paths")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--against", type=Path, default=None,
                   help="another checkout of the app (e.g. a worktree at an earlier commit): its pages are measured "
                        "in the same rounds, move by move")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd)


def _cmd(args) -> int:
    res = run([p for p in args.pages.split(",") if p], args.repeats, args.chromium, args.against)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"trivial page: cold {res['trivial_cold_s']} s, warm p50 settled {res['trivial_warm_p50_s']} s (slider), "
              f"{res['trivial_radio_p50_s']} s (radio)")
        for name, r in res["pages"].items():
            if "error" in r:
                print(f"{name:12s} {r['error']}")
                continue
            print(f"{name:12s} cold {r['cold_s']:.2f} s  warm p50 {r['warm_p50_s']:.3f} s settled "
                  f"({r['warm_over_floor']}x the trivial page)"
                  + (f"; new values {r['fresh_p50_s']:.3f} s ({r['fresh_over_floor']}x)" if "fresh_p50_s" in r else "")
                  + (f"; against {r['against']['warm_p50_s']:.3f} s ({r['against']['warm_over_floor']}x), "
                     f"{r['over_against']}x it" if "against" in r else ""))
    return 0
