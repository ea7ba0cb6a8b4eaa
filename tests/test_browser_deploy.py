"""Scale-out on real parts: two app replicas behind Debian's nginx (deploy/), driven by chromium through the
proxy: the page loads over the upgraded websocket, a control moves, a session stays on its replica, and
once that replica stops new sessions land on the other."""
import re
import secrets
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_browser import _free_port, _wait_idle, browser  # noqa: F401  (browser: the shared fixture)

from conftest import ROOT

sys.path.insert(0, str(ROOT / "deploy"))
import replicas  # noqa: E402  (deploy/ is a folder of scripts, not a package)

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    assert Path(replicas.NGINX).exists(), "Debian's nginx is needed (apt-get install nginx; scripts/run_tests.sh does)"
    ports = [_free_port(), _free_port()]
    secret = secrets.token_hex(16)
    ARTIFACTS.mkdir(exist_ok=True)
    apps = {port: replicas.start_replica(port, secret, ARTIFACTS / f"replica-{i}.log") for i, port in enumerate(ports)}
    prefix = tmp_path_factory.mktemp("nginx")
    procs = list(apps.values())
    try:
        for port, proc in apps.items():
            replicas.wait_healthy(f"http://127.0.0.1:{port}", proc=proc)
        port = _free_port()
        procs.append(replicas.start_nginx(prefix, f"127.0.0.1:{port}", ports))
        replicas.wait_healthy(f"http://127.0.0.1:{port}", seconds=20, proc=procs[-1])
        yield {"url": f"http://127.0.0.1:{port}", "apps": apps, "log": prefix / "access.log"}
    finally:
        for proc in reversed(procs):
            replicas.stop(proc)
        if (prefix / "error.log").exists():
            shutil.copy(prefix / "error.log", ARTIFACTS / "nginx-error.log")


def _served_by(log: Path, offset: int) -> list[str]:
    """The replica (host:port) that finally served each request logged after ``offset`` bytes (a request
    retried on another replica lists both: the last one answered)."""
    lines = log.read_text()[offset:].splitlines()
    return [re.search(r"upstream=(.*)$", line).group(1).split(",")[-1].strip() for line in lines
            if "upstream=" in line and not line.rstrip().endswith("upstream=-")]


def _open_session(browser, url: str):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Token Lab").wait_for(timeout=120_000)
    _wait_idle(page)
    return context, page, errors


def _assert_clean(page, errors):
    assert not errors, errors
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()


def test_sessions_through_nginx_stay_on_a_replica_and_move_when_it_stops(proxy, browser):  # noqa: F811
    log, url = proxy["log"], proxy["url"]
    offset = log.stat().st_size
    context, page, errors = _open_session(browser, url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    side_img = sidebar.locator('[data-testid="stImage"] img').first
    first_src = side_img.get_attribute("src")
    sidebar.get_by_text("Gallery", exact=True).click()  # a control moves: a run over the proxied websocket
    page.wait_for_function(
        "(old) => { const i = document.querySelector('[data-testid=\"stSidebar\"] [data-testid=\"stImage\"] img');"
        " return i && i.src !== old; }", arg=first_src, timeout=60_000)
    _wait_idle(page)
    _assert_clean(page, errors)
    page.screenshot(path=str(ARTIFACTS / "proxy-session.png"))
    context.close()  # nginx logs the websocket when it closes
    deadline = time.monotonic() + 10
    while "_stcore/stream" not in log.read_text()[offset:] and time.monotonic() < deadline:
        time.sleep(0.2)
    stream = [line for line in log.read_text()[offset:].splitlines() if "_stcore/stream" in line]
    assert stream and " 101 " in stream[0], stream  # the websocket was upgraded through the proxy
    served = _served_by(log, offset)
    assert len(served) >= 3 and len(set(served)) == 1, served  # page, scripts, websocket, media: one replica
    home = served[0]

    # the replica that served the session stops: nginx finds it down (passive check) and new sessions
    # land on the other one
    (stopped,) = [p for p in proxy["apps"] if home.endswith(f":{p}")]
    replicas.stop(proxy["apps"][stopped])
    (other,) = [p for p in proxy["apps"] if p != stopped]
    offset = log.stat().st_size
    context, page, errors = _open_session(browser, url)  # a new browser session, working
    _assert_clean(page, errors)
    context.close()
    for _ in range(4):  # and more new visitors (no cookie yet: each hashed by a fresh key)
        with urllib.request.urlopen(url, timeout=20) as response:
            assert response.status == 200 and "tokenlab_replica=" in response.headers.get("Set-Cookie", "")
    served = _served_by(log, offset)
    assert len(served) >= 5 and all(s.endswith(f":{other}") for s in served), served
