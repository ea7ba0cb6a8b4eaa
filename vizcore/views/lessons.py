"""Lessons: ordered steps through the pages, read from YAML files (``assets/lessons/*.yaml``) and checked
against a schema; every problem names the file and line. Streamlit-free (``python -m vizcore lesson check``).

A lesson file::

    title: {en: Attention in 2 steps, zh: 两步看懂注意力}
    about: {en: ..., zh: ...}                 # optional: one or two sentences on the lesson page
    steps:
      - page: attention                       # a page's url path (vizcore.views.address.PAGES)
        state: {attn_view: rollout, image_mode: scene, scene_index: 3}   # the page's address fields (optional)
        title: {en: ..., zh: ...}
        look: {en: 2-5 sentences on what to look for, zh: ...}
        question: {en: ..., zh: ...}          # optional: one question for the class

Values in ``state`` are checked like an address's (type, options, static range); ranges that depend on the
model (a layer index) are checked when the step is opened, where a value that does not fit falls back to its
default with a note.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from vizcore.views.address import GLOBAL, PAGES, AddressError, field_of, fields

LESSONS_DIR = Path(__file__).resolve().parents[2] / "assets" / "lessons"
LANGS = ("en", "zh")
#: pages a step may open (the lesson page itself is the index, not a step)
STEP_PAGES = tuple(p for p in PAGES if p != "lesson")
#: sidebar fields a step may not set: the language is the audience's, the lesson fields are the walk's own
NOT_IN_STEPS = ("lang", "lesson", "step")
SENTENCES = (2, 5)


class LessonError(ValueError):
    """A lesson file that does not fit the schema; ``problems`` are lines ``FILE:LINE: what is wrong``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Step:
    page: str
    state: dict
    title: dict[str, str]
    look: dict[str, str]
    question: dict[str, str] | None
    line: int


@dataclass(frozen=True)
class Lesson:
    name: str               # the file's stem: what the address says (lesson=<name>)
    title: dict[str, str]
    about: dict[str, str] | None
    steps: tuple[Step, ...]

    def text(self, what: dict[str, str] | None, lang: str) -> str:
        """A text in ``lang`` (English where a language is missing)."""
        return "" if what is None else what.get(lang) or what["en"]


def count_sentences(text: str) -> int:
    """Sentences in English or Chinese text: runs ending in . ! ? 。 ！ ？ (a decimal point is no end)."""
    return len([s for s in re.split(r"(?<=[.!?])\s+|(?<=[。！？])", text.strip()) if s.strip()])


class _Checker:
    """Walks the YAML node tree (nodes carry their line), collecting problems instead of stopping at one."""

    def __init__(self, source: str, loader: yaml.SafeLoader):
        self.source, self.loader, self.problems = source, loader, []

    def fail(self, node, message: str) -> None:
        self.problems.append(f"{self.source}:{node.start_mark.line + 1}: {message}")

    def scalar(self, node):
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node, where: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict | None:
        """{key: value node} of a mapping node with these keys (problems for missing and unknown ones)."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where}: expected a mapping with {', '.join(required)}")
            return None
        out = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key not in required + optional:
                self.fail(key_node, f"{where}: unknown field {key!r}; fields: {', '.join(required + optional)}")
            elif key in out:
                self.fail(key_node, f"{where}: {key!r} given twice")
            else:
                out[key] = value_node
        for key in required:
            if key not in out:
                self.fail(node, f"{where}: missing field {key!r}")
        return out

    def texts(self, node, where: str, sentences: tuple[int, int] | None = None) -> dict[str, str] | None:
        """{en: ..., zh: ...}: both languages, non-empty text (``sentences``: how many the English may have)."""
        parts = self.mapping(node, where, LANGS, ())
        if parts is None:
            return None
        out = {}
        for lang, value_node in parts.items():
            value = self.scalar(value_node) if isinstance(value_node, yaml.ScalarNode) else None
            if not isinstance(value, str) or not value.strip():
                self.fail(value_node, f"{where}.{lang}: expected text")
                continue
            out[lang] = value.strip()
        if sentences and "en" in out:
            n, (low, high) = count_sentences(out["en"]), sentences
            if not low <= n <= high:
                self.fail(parts["en"], f"{where}.en: {n} sentence(s); write {low} to {high}")
        return out if len(out) == len(LANGS) else None

    def state(self, node, page: str, where: str) -> dict:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where}: expected a mapping of the page's fields")
            return {}
        allowed = {f.key for f in fields(page)} - set(NOT_IN_STEPS)
        out = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            f = field_of(str(key))
            if key in NOT_IN_STEPS:
                self.fail(key_node, f"{where}: {key!r} cannot be set by a step")
            elif f is None or key not in allowed:
                own = ", ".join(f.key for f in PAGES[page]) or "none"
                shared = ", ".join(f.key for f in GLOBAL if f.key not in NOT_IN_STEPS)
                self.fail(key_node, f"{where}: {key!r} is not a field of page {page!r} "
                                    f"(its fields: {own}; the sidebar's: {shared})")
            elif not isinstance(value_node, yaml.ScalarNode):
                self.fail(value_node, f"{where}.{key}: expected one value")
            else:
                try:
                    out[key] = f.parse(self.scalar(value_node))
                except AddressError as err:
                    self.fail(value_node, f"{where}.{key}: {err}")
        return out

    def step(self, node, i: int) -> Step | None:
        where = f"step {i}"
        parts = self.mapping(node, where, ("page", "title", "look"), ("state", "question"))
        if parts is None:
            return None
        page = None
        if "page" in parts:
            page = self.scalar(parts["page"]) if isinstance(parts["page"], yaml.ScalarNode) else None
            if page not in STEP_PAGES:
                self.fail(parts["page"], f"{where}: unknown page {page!r}; pages: {', '.join(STEP_PAGES)}")
                page = None
        state = self.state(parts["state"], page, f"{where}.state") if page and "state" in parts else {}
        title = self.texts(parts["title"], f"{where}.title") if "title" in parts else None
        look = self.texts(parts["look"], f"{where}.look", SENTENCES) if "look" in parts else None
        question = self.texts(parts["question"], f"{where}.question") if "question" in parts else None
        if page is None or title is None or look is None or ("question" in parts and question is None):
            return None
        return Step(page, state, title, look, question, node.start_mark.line + 1)


def parse_lesson(text: str, source: str = "<lesson>", name: str = "lesson") -> Lesson:
    """The lesson in YAML ``text``; LessonError listing every problem (``source:line: ...``)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise LessonError([f"{source}:{line}: not valid YAML: {err.problem or err}"]) from None
    finally:
        loader.dispose()
    if root is None:
        raise LessonError([f"{source}:1: empty file; a lesson needs title and steps"])
    check = _Checker(source, loader)
    parts = check.mapping(root, "lesson", ("title", "steps"), ("about",)) or {}
    title = check.texts(parts["title"], "title") if "title" in parts else None
    about = check.texts(parts["about"], "about") if "about" in parts else None
    steps = []
    if "steps" in parts:
        node = parts["steps"]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            check.fail(node, "steps: expected a list of at least one step")
        else:
            steps = [check.step(item, i) for i, item in enumerate(node.value, 1)]
    if check.problems:
        raise LessonError(check.problems)
    return Lesson(name, title, about, tuple(steps))


def load_lesson(path: str | Path) -> Lesson:
    """The lesson in file ``path`` (LessonError naming its lines; FileNotFoundError when there is none)."""
    path = Path(path)
    return parse_lesson(path.read_text(encoding="utf-8"), str(path), path.stem)


def lesson_files(folder: Path = LESSONS_DIR) -> list[Path]:
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))


def load_lessons(folder: Path = LESSONS_DIR) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson in ``folder`` that passes the check, and the problems of those that do not."""
    lessons, errors = [], []
    for path in lesson_files(folder):
        try:
            lessons.append(load_lesson(path))
        except LessonError as err:
            errors.append(err)
    return lessons, errors


# --- the command line: python -m vizcore lesson check FILE [FILE ...]
def cmd_lesson_check(args) -> int:
    bad = 0
    for path in args.files:
        try:
            lesson = load_lesson(path)
        except LessonError as err:
            bad += 1
            for problem in err.problems:
                print(problem)
            continue
        pages = sorted({s.page for s in lesson.steps})
        print(f"{path}: ok, {len(lesson.steps)} steps on {', '.join(pages)}")
    if bad:
        raise ValueError(f"{bad} of {len(args.files)} lesson file(s) have problems (listed above)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("lesson", help="lessons: check a lesson file against the schema")
    lesson_sub = p.add_subparsers(dest="lesson_command", required=True)
    c = lesson_sub.add_parser("check", help="check lesson files (YAML); every problem names its line")
    c.add_argument("files", nargs="+", help="lesson files, e.g. assets/lessons/dynamicvit_in_5_steps.yaml")
    c.set_defaults(func=cmd_lesson_check)


__all__ = ["LESSONS_DIR", "Lesson", "LessonError", "Step", "count_sentences", "lesson_files", "load_lesson",
           "load_lessons", "parse_lesson"]
