"""Lessons page: the lessons in assets/lessons, their steps, and where to start; a step opens its own page."""
import streamlit as st

from vizcore.ui import available_lessons, go_to_step, page_title, selection, tr

sel = selection()
st.title(tr("lesson.title"))
st.markdown(tr("lesson.intro"))
lessons, broken = available_lessons()
for err in broken:
    st.warning(tr("lesson.broken", error=err.problems[0]), icon=":material/warning:")
if not lessons:
    st.info(tr("lesson.none"))
    st.stop()

by_name = {lesson.name: lesson for lesson in lessons}
name = st.selectbox(tr("lesson.choose"), list(by_name), key="lesson_pick",
                    format_func=lambda n: by_name[n].text(by_name[n].title, sel.lang))
lesson = by_name[name]
if lesson.about:
    st.markdown(lesson.text(lesson.about, sel.lang))
if st.button(tr("lesson.start"), key="lesson_start", type="primary", icon=":material/play_arrow:"):
    go_to_step(lesson, 0)
st.subheader(tr("lesson.steps"))
for i, step in enumerate(lesson.steps):
    text, button = st.columns([6, 1], vertical_alignment="center")
    text.markdown(f"{i + 1}. **{lesson.text(step.title, sel.lang)}** · {page_title(step.page)}")
    if button.button(tr("lesson.open_step"), key=f"lesson_open_{i}"):
        go_to_step(lesson, i)
st.caption(tr("lesson.write"))
