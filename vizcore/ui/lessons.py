"""Lessons in the app: a step opens its page in the step's state, with the step's text beside the page.

A step is the page's own address plus ``lesson=<name>&step=<n>``: the page runs as itself (its widgets, its
fragments, its downloads), so a step's link reopens it in another browser like any page's link, and the back
button steps back. ``lesson_frame(page)`` (app.py, around the page) draws the step's text, Previous / Next and
the keyboard listener (→ / ←, Page Down / Page Up) in a column beside the page.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from vizcore.ui.text import tr
from vizcore.views.address import GLOBAL, PAGES, encode_state
from vizcore.views.lessons import LESSONS_DIR, Lesson, LessonError, lesson_files, load_lessons

_loaded: dict[tuple, tuple[list[Lesson], list[LessonError]]] = {}
#: what the step's page sets besides the lesson's own fields; the sidebar's other choices stay as they are
STEP_KEYS = ("lesson", "step")


def available_lessons(folder: Path = LESSONS_DIR) -> tuple[list[Lesson], list[LessonError]]:
    """The lessons in ``folder`` and the problems of broken files, read again when a file changes."""
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in lesson_files(folder))
    if stamp not in _loaded:
        _loaded.clear()
        _loaded[stamp] = load_lessons(folder)
    return _loaded[stamp]


def lesson_named(name: str) -> Lesson | None:
    return next((lesson for lesson in available_lessons()[0] if lesson.name == name), None)


def page_title(page: str) -> str:
    """The navigation title of a page (its url path)."""
    return tr("nav.compare_page" if page == "compare" else f"nav.{page}")


def go(lesson: Lesson, index: int) -> None:
    """Open step ``index`` (from 0) of ``lesson``: its page with its state, the sidebar's choices kept; the
    page's controls the step does not set start from their defaults."""
    step = lesson.steps[index]
    ss = st.session_state
    for f in PAGES[step.page]:
        if f.key not in step.state:
            ss.pop(f.key, None)
    kept = {f.key: ss[f.key] for f in GLOBAL if f.key in ss and f.key not in STEP_KEYS}
    state = {**kept, **step.state, "lesson": lesson.name, "step": index + 1}
    st.switch_page(f"pages/{step.page}.py", query_params=encode_state(step.page, state))


_KEYS = """<script>
// Next / Previous of a lesson from the keyboard: → ← and Page Down / Page Up (a presentation clicker's keys).
// One listener on the app's document; keys typed into a field or on a slider are left alone.
(() => {
const doc = document;
if (!window.tokenLabLessonKeys) {
  window.tokenLabLessonKeys = true;
  doc.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const t = e.target, tag = ((t && t.tagName) || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || (t && t.isContentEditable)
        || (t && t.getAttribute && ["slider", "combobox", "listbox", "option"].includes(t.getAttribute("role")))) return;
    const which = {ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev"}[e.key];
    if (!which) return;
    const button = doc.querySelector(".st-key-lesson_" + which + " button");
    if (button && !button.disabled) { e.preventDefault(); button.click(); }
  });
}
})();
</script>"""


def _leave() -> None:
    for key in STEP_KEYS:
        st.session_state.pop(key, None)


def _banner(lesson: Lesson, index: int, lang: str) -> int | None:
    """The step's text and controls; the step to go to when a button was pressed."""
    step, n = lesson.steps[index], len(lesson.steps)
    with st.container(border=True, key="lesson_banner"):
        st.caption(f"{lesson.text(lesson.title, lang)} · {tr('lesson.step_of', i=index + 1, n=n)}")
        st.markdown(f"#### {lesson.text(step.title, lang)}")
        st.markdown(f"**{tr('lesson.look')}:** {lesson.text(step.look, lang)}")
        if step.question:
            st.info(f"**{tr('lesson.question')}:** {lesson.text(step.question, lang)}", icon=":material/help:")
        # one above the other: side by side, a narrow column cuts their labels
        ahead = st.button(tr("lesson.next"), key="lesson_next", disabled=index == n - 1, type="primary",
                          icon=":material/arrow_forward:", width="stretch")
        back = st.button(tr("lesson.prev"), key="lesson_prev", disabled=index == 0, icon=":material/arrow_back:",
                         width="stretch")
        st.button(tr("lesson.close"), key="lesson_close", on_click=_leave, type="tertiary",
                  icon=":material/close:")
        st.caption(tr("lesson.keys"))
        st.html(_KEYS, unsafe_allow_javascript=True)
    return index + 1 if ahead else index - 1 if back else None


@contextmanager
def lesson_frame(page: str):
    """Around the page: when the address names a lesson step of this page, the step's text beside it."""
    ss = st.session_state
    name, number = ss.get("lesson"), ss.get("step")
    lesson = lesson_named(name) if name else None
    if name and lesson is None:
        st.caption(tr("lesson.unknown", name=name))
        _leave()
    if lesson is None or not number or page == "lesson":
        yield
        return
    index = min(max(int(number), 1), len(lesson.steps)) - 1
    ss["step"] = index + 1
    if lesson.steps[index].page != page:  # the user went elsewhere: the step is one click away
        if st.button(tr("lesson.step_of", i=index + 1, n=len(lesson.steps)) + " · "
                     + lesson.text(lesson.steps[index].title, ss.get("lang", "en")), key="lesson_return",
                     icon=":material/school:"):
            go(lesson, index)
        yield
        return
    left, right = st.columns([3, 8], gap="medium")
    with left:
        target = _banner(lesson, index, ss.get("lang", "en"))
    if target is not None:
        go(lesson, target)
    with right:
        yield


__all__ = ["available_lessons", "go", "page_title", "lesson_frame", "lesson_named"]
