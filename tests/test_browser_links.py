"""Links, the language switch and lessons in the real browser (Debian's chromium via Playwright).

Every test here fails on a warning or stack trace in the server's log, a console error, a page error or a
response of 400 or more (a 404 for /media/<hash>.jpg after a language switch, for one).
"""
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from test_browser import ARTIFACTS, ROOT, _free_port, _wait_idle, browser, wait_healthy  # noqa: F401  (browser: a fixture)

pytestmark = pytest.mark.browser
LOG = ARTIFACTS / "server_links.log"
#: lines of the server log that are not a problem
LOG_OK = (re.compile(r"You can now view your Streamlit app|URL: http|^\s*$|Collecting usage statistics"),)


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(LOG, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=subprocess.STDOUT)
    url = wait_healthy(port, proc, LOG)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(autouse=True)
def clean_server_log(server):
    """The test fails on any warning, error or stack trace the server logged while it ran."""
    start = LOG.stat().st_size
    yield
    with open(LOG, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        new = f.read()
    bad = [line for line in new.splitlines()
           if re.search(r"WARNING|ERROR|Traceback|Exception|Error:", line) or line.startswith("  File ")]
    assert not bad, "the server logged:\n" + "\n".join(bad[:20])


#: Streamlit's own probe for its base path when an address names a page (``/attention/_stcore/health`` is tried
#: first and answers 404, then ``/_stcore/health``): not a problem of the app
BASE_PATH_PROBE = re.compile(r"^https?://[^/]+/[^_][^?]*/_stcore/(health|host-config)$")


class Watch:
    """Console errors, page errors and failed responses of one browser page."""

    def __init__(self, page):
        self.problems = []
        page.on("console", self.console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("response", lambda r: self.problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not BASE_PATH_PROBE.match(r.url) else None)

    def console(self, message):
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not BASE_PATH_PROBE.match(where):
            self.problems.append(f"console error: {message.text} ({where})")

    def check(self):
        assert not self.problems, self.problems


def open_page(context, url: str, heading=None):
    page = context.new_page()
    watch = Watch(page)
    page.goto(url, wait_until="domcontentloaded")
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=180_000)
    if heading:
        page.get_by_role("heading", name=re.compile(heading)).first.wait_for(timeout=180_000)
    _wait_idle(page, timeout=180_000)
    return page, watch


#: every keyed control in the main area and the sidebar: its text, its inputs' values and its buttons' states
CONTROLS_JS = """() => {
  const out = {};
  for (const el of document.querySelectorAll('[data-testid="stMain"] [class*="st-key-"], [data-testid="stSidebar"] [class*="st-key-"]')) {
    const key = [...el.classList].find(c => c.startsWith('st-key-')).slice(7);
    if (key.startsWith('lesson_') || key.startsWith('dl_') || el.querySelector('[data-testid="stDownloadButton"]')) continue;
    const inputs = [...el.querySelectorAll('input')].map(i =>
      (i.type === 'radio' || i.type === 'checkbox') ? (i.checked ? 'on' : 'off') : i.value);
    const buttons = [...el.querySelectorAll('button')].map(b => b.getAttribute('kind') || '');
    out[key] = el.innerText + ' | ' + inputs.join(',') + ' | ' + buttons.join(',');
  }
  return out;
}"""


def first_figure(page) -> bytes:
    src = page.eval_on_selector('[data-testid="stMain"] [data-testid="stImage"] img', "e => e.src")
    response = page.request.get(src)
    assert response.ok, src
    return response.body()


def press_on(page, selector: str, key: str):
    page.locator(selector).first.focus()
    page.keyboard.press(key)


# page, heading, and how to move its state away from the defaults
ROUND_TRIPS = [
    ("", "Token Lab", [("number", "scene_index", "7")]),
    ("attention", "Attention: where", [("key", "attn_layer", "ArrowLeft"), ("segment", "attn_view", 1)]),
    ("wukong", "WuKong", [("segment", "wk_view", 1), ("key", "wk_alpha", "ArrowLeft")]),
    ("t2t", "T2T", [("key", "t2t_k0", "ArrowLeft")]),
    ("poolformer", "PoolFormer", [("segment", "pf_view", 1)]),
    ("dynamicvit", "DynamicViT", [("key", "dyn_rho", "ArrowLeft"), ("radio", "dyn_semantics", 1)]),
    ("compare", "Token reducers", [("key", "cmp_rho", "ArrowLeft")]),
    ("tradeoffs", "What each configuration", [("radio", "trade_x", 1)]),
    ("lesson", "Lessons", [("select", "lesson_pick", 1)]),
]


def act(page, kind, key, arg):
    el = f".st-key-{key}"
    before = page.url
    if kind == "key":
        press_on(page, f"{el} input, {el} [role=slider]", arg)
    elif kind == "number":
        box = page.locator(f"{el} input").first
        box.fill(arg)
        box.press("Enter")
    elif kind == "segment":
        page.locator(f"{el} button").nth(arg).click()
    elif kind == "radio":
        page.locator(f"{el} label:has(input)").nth(arg).click()
    elif kind == "select":
        page.locator(el).first.click()
        page.get_by_role("option").nth(arg).click()
    page.wait_for_function("(old) => window.location.href !== old", arg=before, timeout=120_000)
    _wait_idle(page, timeout=180_000)


@pytest.mark.parametrize("path, heading, actions", ROUND_TRIPS, ids=[r[0] or "home" for r in ROUND_TRIPS])
def test_a_copied_link_reopens_the_same_view(server, browser, path, heading, actions):
    """Set controls, take the address, open it in a new browser context: same controls, same first figure."""
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    page, watch = open_page(first, f"{server}/{path}", heading)
    for kind, key, arg in actions:
        act(page, kind, key, arg)
    link = page.url
    query = parse_qs(urlsplit(link).query)
    for _, key, _ in actions:
        assert key in query, (key, link)
    controls = page.evaluate(CONTROLS_JS)
    figure = first_figure(page) if path not in ("", "tradeoffs", "lesson") else None

    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    again, watch_again = open_page(second, link, heading)
    assert parse_qs(urlsplit(again.url).query) == query
    assert same_controls(again, controls) == controls
    if figure is not None:
        assert first_figure(again) == figure
    name = path or "home"
    again.screenshot(path=str(ARTIFACTS / f"link_{name}.png"))
    watch.check()
    watch_again.check()
    first.close()
    second.close()


def test_back_button_steps_through_changes_and_a_bad_value_falls_back(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page, watch = open_page(context, f"{server}/dynamicvit?dyn_rho=0.6&dyn_tau=99&nonsense=1", "DynamicViT")
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_text(re.compile(r"dyn_tau=99.*does not fit")).count() == 1
    assert main.get_by_text(re.compile(r"nonsense=1.*not part of this page")).count() == 1
    rho = page.locator(".st-key-dyn_rho input").first
    assert rho.input_value() == "0.6"
    entries = page.evaluate("() => history.length")
    act(page, "key", "dyn_rho", "ArrowLeft")
    act(page, "key", "dyn_rho", "ArrowLeft")
    assert page.evaluate("() => history.length") == entries + 2     # one history entry a move, no more
    writer = page.locator(".st-key-vz_address")                         # what wrote them: hidden, no gap
    assert writer.count() == 1 and not writer.is_visible()
    assert "dyn_rho=0.5" in page.url and rho.input_value() == "0.5"

    def shows(value: str):
        page.wait_for_function(f"() => window.location.search.includes('dyn_rho={value}&')"
                               f" || window.location.search.endsWith('dyn_rho={value}')", timeout=60_000)
        _wait_idle(page, timeout=180_000)
        page.wait_for_function(f"() => document.querySelector('.st-key-dyn_rho input').value === '{value}'",
                               timeout=60_000)

    page.go_back()
    shows("0.55")
    page.go_back()      # to the address the page's first run wrote (not one a move of the slider wrote)
    shows("0.6")
    page.go_forward()
    shows("0.55")
    page.go_forward()
    shows("0.5")
    # the sidebar's "Copy link" shows and copies the address as it is now
    copy = page.frame_locator('[data-testid="stSidebar"] iframe').first
    page.wait_for_timeout(1000)
    assert copy.locator("#url").input_value() == page.url
    copy.locator("#copy").click()
    assert copy.locator("#said").inner_text() in ("Copied", "Select the address below and copy it")
    # a run of the whole page (a control outside the slider's part) keeps what the moves set
    act(page, "radio", "image_mode", 0)
    assert rho.input_value() == "0.5" and "dyn_rho=0.5" in page.url and "image_mode=gallery" in page.url
    page.go_back()      # the image source's change is a step of its own
    page.wait_for_function("() => !window.location.search.includes('image_mode=gallery')", timeout=60_000)
    _wait_idle(page, timeout=180_000)
    assert rho.input_value() == "0.5"
    watch.check()
    context.close()


def checked(page, key: str) -> str:
    return page.locator(f".st-key-{key} label:has(input:checked)").inner_text().strip()


def same_controls(page, expected: dict) -> dict:
    """The page's controls once they equal ``expected`` (a fresh page draws its sidebar a moment later), or
    whatever they are after 30 s."""
    try:
        page.wait_for_function(f"(want) => JSON.stringify(({CONTROLS_JS})()) === JSON.stringify(want)",
                               arg=expected, timeout=30_000)
    except Exception:  # noqa: BLE001 - the assert below shows the difference
        pass
    return page.evaluate(CONTROLS_JS)


def test_a_language_switch_keeps_every_choice(server, browser):
    """Issue 13: Scene 7 and DynamicViT's training semantics survive en -> zh -> en and page switches, and no
    media request fails."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page, watch = open_page(context, f"{server}/", "Token Lab")
    sidebar = page.locator('[data-testid="stSidebar"]')
    act(page, "radio", "image_mode", 0)   # gallery, then a gallery photo, then a scene
    act(page, "select", "sample", 2)
    act(page, "radio", "image_mode", 1)
    act(page, "number", "scene_index", "7")
    sidebar.get_by_role("link", name=re.compile("DynamicViT")).click()
    page.get_by_role("heading", name=re.compile("DynamicViT")).first.wait_for(timeout=180_000)
    _wait_idle(page, timeout=180_000)
    act(page, "radio", "dyn_semantics", 1)
    assert checked(page, "image_mode") == "Scene" and checked(page, "dyn_semantics").startswith("training")
    picture = page.locator('[data-testid="stSidebar"] [data-testid="stImage"] img').first.get_attribute("src")

    act(page, "select", "lang", 1)        # 简体中文
    assert checked(page, "image_mode") == "合成场景"
    assert checked(page, "dyn_semantics").startswith("训练")
    assert page.locator(".st-key-scene_index input").input_value() == "7"
    sidebar.get_by_role("link", name=re.compile("首页")).click()
    page.get_by_role("heading", name=re.compile("Token 实验室")).first.wait_for(timeout=120_000)
    _wait_idle(page)
    assert checked(page, "image_mode") == "合成场景"
    assert page.locator(".st-key-scene_index input").input_value() == "7"
    act(page, "select", "lang", 0)        # back to English
    assert checked(page, "image_mode") == "Scene"
    assert page.locator(".st-key-scene_index input").input_value() == "7"
    assert page.locator('[data-testid="stSidebar"] [data-testid="stImage"] img').first.get_attribute("src") == picture
    page.wait_for_timeout(1500)           # late media requests of replaced pictures would fail now
    watch.check()
    context.close()


def test_a_lesson_from_first_to_last_step_with_the_keyboard(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page, watch = open_page(context, f"{server}/lesson?lesson_pick=dynamicvit_in_5_steps", "Lessons")
    page.locator(".st-key-lesson_start button").click()
    steps = 5
    for i in range(1, steps + 1):
        page.get_by_text(f"Step {i} of {steps}").first.wait_for(timeout=180_000)
        _wait_idle(page, timeout=180_000)
        assert f"step={i}" in page.url and "lesson=dynamicvit_in_5_steps" in page.url
        assert "Traceback" not in page.inner_text("body")
        if i == 3:
            assert checked(page, "dyn_semantics").startswith("training")
        if i < steps:
            page.keyboard.press("ArrowRight" if i % 2 else "PageDown")
    assert page.locator(".st-key-lesson_next button").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "lesson_step.png"))
    page.keyboard.press("PageUp")
    page.get_by_text(f"Step {steps - 1} of {steps}").first.wait_for(timeout=180_000)
    _wait_idle(page, timeout=180_000)
    assert page.locator(".st-key-dyn_tau input").first.input_value() == "0.2"
    watch.check()
    context.close()
