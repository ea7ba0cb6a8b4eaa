"""Lesson files: the shipped ones pass the check; broken ones fail with a message naming the line."""
import subprocess
import sys
import textwrap

import pytest

from vizcore.cli import main
from vizcore.views.lessons import LESSONS_DIR, LessonError, count_sentences, lesson_files, load_lesson, parse_lesson

GOOD = textwrap.dedent("""\
    title: {en: Tiny, zh: 小}
    steps:
      - page: dynamicvit
        state: {dyn_rho: 0.5, image_mode: scene, scene_index: 3}
        title: {en: One, zh: 一}
        look: {en: First sentence. Second sentence., zh: 第一句。第二句。}
        question: {en: "Why?", zh: 为什么？}
      - page: attention
        title: {en: Two, zh: 二}
        look: {en: First sentence. Second sentence., zh: 第一句。第二句。}
    """)


def broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def problems(text: str) -> list[str]:
    with pytest.raises(LessonError) as info:
        parse_lesson(text, "x.yaml")
    return info.value.problems


def test_both_shipped_lessons_pass_the_check():
    names = {p.stem for p in lesson_files()}
    assert {"attention_to_token_reduction", "dynamicvit_in_5_steps"} <= names
    first = load_lesson(LESSONS_DIR / "attention_to_token_reduction.yaml")
    assert 9 <= len(first.steps) <= 11
    assert {"attention", "compare", "dynamicvit", "t2t", "poolformer", "wukong", "tradeoffs"} <= {s.page for s in first.steps}
    assert len(load_lesson(LESSONS_DIR / "dynamicvit_in_5_steps.yaml").steps) == 5
    for path in lesson_files():
        for step in load_lesson(path).steps:
            assert step.title["zh"] and step.look["zh"]


def test_lesson_check_command_passes_the_shipped_lessons(capsys):
    assert main(["lesson", "check", *map(str, lesson_files())]) == 0
    assert capsys.readouterr().out.count(": ok,") == len(lesson_files())


def test_a_good_lesson_reads_typed_state():
    lesson = parse_lesson(GOOD, "x.yaml", "tiny")
    assert lesson.steps[0].state == {"dyn_rho": 0.5, "image_mode": "scene", "scene_index": 3}
    assert lesson.steps[0].question["en"] == "Why?" and lesson.steps[1].question is None
    assert lesson.text(lesson.steps[1].title, "zh") == "二"


def test_missing_field_names_its_line():
    assert problems(broken("    title: {en: Two, zh: 二}\n", "")) == ["x.yaml:8: step 2: missing field 'title'"]


def test_unknown_page_names_its_line():
    [message] = problems(broken("page: attention", "page: atention"))
    assert message.startswith("x.yaml:8: step 2: unknown page 'atention'; pages: home, attention")


def test_out_of_range_value_names_its_line():
    [message] = problems(broken("dyn_rho: 0.5", "dyn_rho: 1.5"))
    assert message.startswith("x.yaml:4: step 1.state.dyn_rho") and "from 0.3 to 0.95" in message


def test_several_problems_each_with_their_line():
    text = broken("dyn_rho: 0.5", "dyn_rho: 0.5, attn_layer: 2, lang: zh")
    text = text.replace("look: {en: First sentence. Second sentence., zh: 第一句。第二句。}\n", "look: {en: One., zh: 一。}\n")
    found = problems(text)
    assert any(p.startswith("x.yaml:4:") and "'attn_layer' is not a field of page 'dynamicvit'" in p for p in found)
    assert any(p.startswith("x.yaml:4:") and "'lang' cannot be set by a step" in p for p in found)
    assert any(p.startswith("x.yaml:6:") and "1 sentence(s)" in p for p in found)


def test_not_yaml_and_empty_files():
    [message] = problems("title: [unclosed\nsteps: []\n")
    assert message.startswith("x.yaml:") and "not valid YAML" in message
    assert problems("") == ["x.yaml:1: empty file; a lesson needs title and steps"]
    assert problems("title: {en: a, zh: b}\nsteps: []\n") == ["x.yaml:2: steps: expected a list of at least one step"]


def test_sentences_are_counted_in_both_scripts():
    assert count_sentences("One. Two? Three!") == 3
    assert count_sentences("rho is 0.7 here. Done.") == 2
    assert count_sentences("第一句。第二句！") == 2


def test_check_command_fails_on_a_broken_file_naming_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(broken("dyn_rho: 0.5", "dyn_rho: 9"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "vizcore", "lesson", "check", str(path)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert f"{path}:4: step 1.state.dyn_rho" in run.stdout
    assert run.stderr.strip() == "error: 1 of 1 lesson file(s) have problems (listed above)"
    assert "Traceback" not in run.stderr
