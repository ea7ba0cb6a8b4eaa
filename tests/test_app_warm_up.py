"""The model pages wait for the warm-up thread: two threads importing timm at once can see it
half-initialised (ImportError from a partially initialized module). Home does not wait."""
import threading
import time

from conftest import assert_clean


def test_model_pages_wait_for_the_warm_up_and_home_does_not(app, monkeypatch):
    from vizcore.ui import warmup
    app.switch_page("pages/dynamicvit.py")
    app.run()  # warm: the model and its trace are cached, a rerun takes a fraction of a second
    assert_clean(app)
    pending = threading.Event()  # now pretend a warm-up is still running
    monkeypatch.setattr(warmup, "_WARMED", pending)
    app.switch_page("pages/home.py")
    t0 = time.monotonic()
    app.run()
    assert_clean(app)
    assert time.monotonic() - t0 < 1.5 and not pending.is_set()
    threading.Timer(2.0, pending.set).start()
    app.switch_page("pages/dynamicvit.py")
    t0 = time.monotonic()
    app.run()
    waited = time.monotonic() - t0
    assert_clean(app)
    assert waited >= 1.9, waited
    assert app.title[0].value.startswith("DynamicViT")
