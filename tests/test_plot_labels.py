"""No words in vizcore/plots: every label a picture or chart shows comes in from the caller, translated through
the locale catalogue. An AST scan of every plots module fails on a string literal with a Latin word that is
passed as a title, label, legend name or drawn text, used as a label parameter's default, or held in a module
constant of labels."""
import ast
import re
from pathlib import Path

import pytest

PLOTS = Path(__file__).resolve().parents[1] / "vizcore" / "plots"
#: calls whose arguments are text a reader reads
LABEL_CALLS = {"set_xlabel", "set_ylabel", "set_title", "suptitle", "text", "annotate", "legend", "add_bar",
               "add_scatter", "add_trace", "Bar", "Scatter", "update_layout", "update_xaxes", "update_yaxes",
               "compose", "colorbar", "_label", "chart", "legend_image"}
#: keyword arguments (and dict keys of chart specs) that hold such text
LABEL_KEYS = {"label", "labels", "title", "name", "title_text", "xaxis_title", "yaxis_title", "text", "names",
              "caption", "row_labels", "col_labels", "titles", "x_title", "y_title", "ticktext"}
#: words that are not translated: formulas, units, model and method names, file formats
ALLOWED = {"pool", "ViT", "GMACs", "MACs", "px", "CLS", "ToMe", "EViT", "DynamicViT", "T2T", "AvgPool3x3",
           "softmax", "yy", "PoolFormer", "WuKong", "MLP"}
#: modules whose labels another change owns, with why (remove the entry when it lands)
PENDING: dict[str, str] = {}
WORD = re.compile(r"[A-Za-z]{2,}")


#: literals that are code, not text: Vega-Lite field shorthands ("label:N") and snake_case identifiers ("x_title")
CODE = re.compile(r"^\w+:[NQOT]$|^[a-z][a-z0-9]*(_[a-z0-9]+)+$")


def _words(node) -> list[str]:
    """The Latin words of a literal string (the constant parts of an f-string), tuple or list of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # format fields ({tokens}) are no words
        return [w for w in WORD.findall(re.sub(r"\{[^}]*\}", "", node.value)) if w not in ALLOWED]
    if isinstance(node, ast.JoinedStr):
        return [w for part in node.values for w in _words(part)]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [w for item in node.elts for w in _words(item)]
    if isinstance(node, ast.Dict):
        return [w for value in node.values for w in _words(value)]
    if isinstance(node, (ast.BoolOp, ast.BinOp, ast.IfExp, ast.ListComp, ast.GeneratorExp)):  # a or [...] + [...]
        parts = {ast.BoolOp: lambda n: n.values, ast.BinOp: lambda n: [n.left, n.right],
                 ast.IfExp: lambda n: [n.body, n.orelse], ast.ListComp: lambda n: [n.elt],
                 ast.GeneratorExp: lambda n: [n.elt]}[type(node)](node)
        return [w for part in parts for w in _words(part)]
    return []


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def label_literals(source: str) -> list[tuple[int, str]]:
    """(line, words) of every label literal in a module's source."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            args = node.args[1:] if name == "text" else node.args  # draw.text(xy, text) and ax.text(x, y, s)
            if name in LABEL_CALLS:
                found += [(node.lineno, " ".join(w)) for a in args if (w := _words(a))]
            found += [(node.lineno, " ".join(w)) for k in node.keywords
                      if k.arg in LABEL_KEYS and (w := _words(k.value))]
        elif isinstance(node, ast.Dict):
            found += [(node.lineno, " ".join(w)) for k, v in zip(node.keys, node.values)
                      if isinstance(k, ast.Constant) and k.value in LABEL_KEYS and not isinstance(v, ast.Dict)
                      and (w := _words(v))]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = node.args.args[-len(node.args.defaults):] if node.args.defaults else []
            pairs = list(zip(params, node.args.defaults)) + list(zip(node.args.kwonlyargs, node.args.kw_defaults))
            found += [(node.lineno, " ".join(w)) for p, d in pairs
                      if d is not None and re.search("label|title|name|caption", p.arg) and (w := _words(d))]
        elif isinstance(node, ast.Assign):  # LAYER_LABELS = {...}; captions = labels or [f"input: {n} tokens"]
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(re.search("label|title|names|caption", t, re.I) for t in targets) and (w := _words(node.value)):
                found.append((node.lineno, " ".join(w)))
    return found


@pytest.mark.parametrize("path", sorted(PLOTS.glob("*.py")), ids=lambda p: p.name)
def test_no_label_literal_in_plots(path):
    if path.name in PENDING:
        pytest.skip(PENDING[path.name])
    assert label_literals(path.read_text()) == [], f"{path.name}: words to pass in translated from the catalogue"


@pytest.mark.parametrize("snippet", [
    'ax.set_xlabel("layer")', 'fig.update_layout(title="Tokens per layer")', 'compose(t, 2, labels=["input"])',
    'draw.text((0, 0), f"layer {n}: kept", font=f)', 'def f(x, labels=("tokens", "GMACs")):\n    pass',
    'LAYER_LABELS = {"front": "Pareto front"}', 'spec = {"title": "Accuracy", "field": "x"}',
    'colorbar("viridis", 0, 1, "windows per position")',
    'captions = labels or ([f"input: {n} tokens"] + [f"layer {f.layer}" for f in fates])'])
def test_the_scan_finds_label_literals(snippet):
    assert label_literals(snippet)


@pytest.mark.parametrize("snippet", [
    'ax.set_xlabel(labels["x"])', 'draw.text((0, 0), f"{pct:.1f}", font=f)', 'compose(t, 2, labels=captions)',
    'fig.update_layout(title=title, xaxis_title=labels["x"])', 'colorbar(cmap, 0, 1, "pool(x) − x")',
    'spec = {"mark": {"type": "text"}, "encoding": {"text": {"field": "tokens"}}}'])
def test_the_scan_lets_translated_labels_and_formulas_pass(snippet):
    assert label_literals(snippet) == []
