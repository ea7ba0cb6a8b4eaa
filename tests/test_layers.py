"""Imports point one way, read from the source with ``ast`` (module-level and function-level imports alike).

Layers, bottom up: core (trace, device, images, data, i18n, locale, published, geometry) -> models ->
analysis -> plots -> views -> ui -> pages -> the command line (cli, evaluate, train, bench, bench_ui, render). A module
imports from its own layer or the ones below. An import inside a function is kept only to defer a heavy or
optional import and says so in a comment on its line or the line above.
"""
from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: bottom up; a module belongs to the layer of the longest prefix it matches (the package ``vizcore`` itself,
#: which holds only its version, to core)
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("vizcore.trace", "vizcore.device", "vizcore.images", "vizcore.data", "vizcore.i18n",
              "vizcore.locale", "vizcore.published", "vizcore.geometry")),
    ("models", ("vizcore.models",)),
    ("analysis", ("vizcore.analysis",)),
    ("plots", ("vizcore.plots",)),
    ("views", ("vizcore.views",)),
    ("ui", ("vizcore.ui",)),
    ("pages", ("app", "pages")),
    ("command line", ("vizcore.cli", "vizcore.__main__", "vizcore.evaluate", "vizcore.train", "vizcore.bench",
                      "vizcore.bench_ui", "vizcore.load", "vizcore.load_common", "vizcore.load_protocol",
                      "vizcore.render", "vizcore.sweep")),
)

#: Files that other changes of the same step are rewriting while this test was written; they fix their own
#: function-level imports, and this list is emptied once they are merged ("path" or "path::function"). An
#: entry that is no longer needed fails test_allow_list_is_still_needed.
UNCOMMENTED_ALLOWED: set[str] = set()


def layer_of(module: str) -> int | None:
    """Index in LAYERS of a dotted module name (None: not placed in any layer)."""
    if module == "vizcore":
        return 0
    best, index = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, index = len(p), i
    return index


@dataclass(frozen=True)
class Import:
    line: int
    end_line: int
    target: str             # dotted module imported (resolved against the package for relative imports)
    function: str | None    # innermost enclosing function, None at module level


def module_name(path: Path) -> str:
    """``vizcore/plots/vega.py`` -> ``vizcore.plots.vega``; a package's ``__init__`` -> the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def read_imports(source: str, module: str, is_package: bool = False, known: frozenset[str] = frozenset()) -> list[Import]:
    """Every import statement of ``source`` (of ``module``), one entry per imported module. ``from X import y``
    counts as importing ``X.y`` when that is a module in ``known``, else ``X``."""
    package = module if is_package else module.rpartition(".")[0]
    out: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[:len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in child.names]
            else:
                visit(child, function)
                continue
            for target in dict.fromkeys(targets):
                out.append(Import(child.lineno, child.end_lineno or child.lineno, target, function))

    visit(ast.parse(source), None)
    return out


def order_violations(source: str, module: str, where: str, is_package: bool = False,
                     known: frozenset[str] = frozenset()) -> list[str]:
    """``where:line: module (layer) imports target (higher layer)`` for each import against the order."""
    own = layer_of(module)
    found = []
    for imp in read_imports(source, module, is_package, known):
        if not (imp.target == "vizcore" or imp.target.startswith("vizcore.")):
            continue
        other = layer_of(imp.target)
        if own is None or other is None or other > own:
            own_name = "no layer" if own is None else LAYERS[own][0]
            other_name = "no layer" if other is None else LAYERS[other][0]
            found.append(f"{where}:{imp.line}: {module} ({own_name}) imports {imp.target} ({other_name})")
    return found


def comment_lines(source: str) -> set[int]:
    return {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT}


def uncommented_function_imports(source: str, module: str) -> list[Import]:
    """The function-level imports with no comment on their lines or the line above."""
    comments = comment_lines(source)
    return [imp for imp in read_imports(source, module)
            if imp.function is not None and not comments & set(range(imp.line - 1, imp.end_line + 1))]


def describe_uncommented(imp: Import, where: str) -> str:
    return f"{where}:{imp.line}: import of {imp.target} inside {imp.function}() without a comment"


def sources(*roots: str) -> list[Path]:
    files = []
    for r in roots:
        p = ROOT / r
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p] if p.is_file() else []
    return files


VIZCORE = sources("vizcore")
KNOWN = frozenset(module_name(p) for p in VIZCORE)


def _where(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# ------------------------------------------------------------------------------------------ the project
def test_every_vizcore_module_has_a_layer():
    unplaced = sorted(m for m in KNOWN if layer_of(m) is None)
    assert VIZCORE and not unplaced, f"place these modules in LAYERS: {unplaced}"


def test_imports_point_one_way():
    found = []
    for path in VIZCORE + sources("app.py", "pages"):
        found += order_violations(path.read_text(encoding="utf-8"), module_name(path), _where(path),
                                  path.name == "__init__.py", KNOWN)
    assert not found, "imports against the layer order:\n" + "\n".join(found)


def _uncommented() -> list[tuple[str, Import]]:
    return [(_where(path), imp) for path in VIZCORE
            for imp in uncommented_function_imports(path.read_text(encoding="utf-8"), module_name(path))]


def test_function_level_imports_say_why():
    found = [describe_uncommented(imp, where) for where, imp in _uncommented()
             if where not in UNCOMMENTED_ALLOWED and f"{where}::{imp.function}" not in UNCOMMENTED_ALLOWED]
    assert not found, ("import at module level, or say in a comment which heavy or optional import is "
                       "deferred:\n" + "\n".join(found))


def test_allow_list_is_still_needed():
    needed = {key for where, imp in _uncommented() for key in (where, f"{where}::{imp.function}")}
    stale = sorted(UNCOMMENTED_ALLOWED - needed)
    assert not stale, f"remove from UNCOMMENTED_ALLOWED (nothing left to allow): {stale}"


# ------------------------------------------------------------------------------ the checks can fail
@pytest.mark.parametrize("module, source, bad_line", [
    ("vizcore.models.vit", "import torch\nfrom vizcore.analysis.lineage import fates\n", 2),
    ("vizcore.models.vit", "from ..analysis import lineage\n", 1),                     # relative
    ("vizcore.geometry.flops", "def f():\n    from vizcore.models import vit  # x\n", 2),  # inside a function
    ("vizcore.analysis.tradeoffs", "from vizcore import evaluate\n", 1),                 # the command line
    ("vizcore.analysis.tradeoffs", "from vizcore.plots.overlay import compose\n", 1),    # plots sit above
    ("vizcore.plots.overlay", "import vizcore.ui\n", 1),
    ("pages.compare", "from vizcore.cli import main\n", 1),
    ("vizcore.analysis.lineage", "from vizcore.nowhere import x\n", 1),                  # a module in no layer
])
def test_order_check_names_file_and_line(module, source, bad_line):
    found = order_violations(source, module, "x.py", known=KNOWN)
    assert len(found) == 1 and found[0].startswith(f"x.py:{bad_line}: {module} ("), found


@pytest.mark.parametrize("module, source", [
    ("vizcore.models.vit", "from vizcore.geometry.flops import vit_block_macs\nfrom vizcore.trace import Trace\n"),
    ("vizcore.models.vit", "from . import registry\nfrom ..geometry import flops\n"),
    ("vizcore.plots.token_fate", "from vizcore.analysis.lineage import fates\nfrom vizcore import images\n"),
    ("vizcore.cli", "from vizcore.models.registry import describe\nimport vizcore.ui\n"),
    ("vizcore.geometry.flops", "import torch\nfrom torch.utils.flop_counter import FlopCounterMode\n"),
])
def test_order_check_passes_downward_imports(module, source):
    assert order_violations(source, module, "x.py", known=KNOWN) == []


def test_function_level_check_wants_a_comment():
    bare = "import numpy\n\ndef f():\n    import torch\n    return torch\n"
    assert [describe_uncommented(i, "x.py") for i in uncommented_function_imports(bare, "vizcore.data.scenes")] == [
        "x.py:4: import of torch inside f() without a comment"]
    nested = "class A:\n    def g(self):\n        def h():\n            from timm.data import ImageNetInfo\n"
    assert [describe_uncommented(i, "x.py") for i in uncommented_function_imports(nested, "m")] == [
        "x.py:4: import of timm.data inside h() without a comment"]
    same_line = "def f():\n    import torch  # deferred: about 1.5 s\n"
    line_above = "def f():\n    # deferred: timm takes about 2 s\n    from timm.data import (\n        create_transform)\n"
    module_level = "import torch\nif True:\n    import numpy\n"
    for ok in (same_line, line_above, module_level):
        assert uncommented_function_imports(ok, "m") == [], ok
