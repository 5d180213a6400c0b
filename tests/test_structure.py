"""The shape of the package: modules in the order of the flow, each importing only from
those before it; no cycles; no package import hidden in a function (outside ``cli.py`` and
``__init__.py``); no module over 600 lines, no function over 60 (the README's layout)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kpi_workbook"

# The flow, as the README's "Layout of the code" lists it: each module may import only
# from the modules before it.
FLOW = [
    "errors", "filenames", "findings", "atomic", "outputs", "isolate", "survey", "values", "export", "layout",
    "deflated_zip", "xlsx_fast",
    "safety", "xlsx_scan", "percent_cells", "reader",
    "roster", "previous",
    "metadata", "generate", "fill",
    "normalize",
    "rules", "revisions", "asides", "check", "annotate", "report",
    "scratch", "submission", "achievement", "tables", "summary_tables",
    "contribution", "discover", "checking", "selection",
    "comparison", "evaluation", "summary", "consolidate", "analysis", "charts", "publish", "demo", "cli",
]
LAZY_ALLOWED = {"cli", "__init__"}  # the command line and the API start fast


def modules() -> dict:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.glob("*.py"))}


def package_imports(tree) -> list:
    """(imported module, at module level?) for each ``from . import x`` / ``from .x import``."""
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [alias.name for alias in node.names]
            out += [(name.split(".")[0], id(node) in top) for name in names]
    return out


def test_every_module_has_its_place_in_the_flow():
    assert sorted(set(modules()) - {"__init__", "__main__"}) == sorted(FLOW)


def test_modules_import_only_from_earlier_in_the_flow():
    wrong = []
    for name, tree in modules().items():
        if name in ("__init__", "__main__"):
            continue
        for imported, _ in package_imports(tree):
            if imported != "__version__" and FLOW.index(imported) >= FLOW.index(name):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_package_import_hidden_in_a_function():
    hidden = [f"{name}: {imported}" for name, tree in modules().items() if name not in LAZY_ALLOWED
              for imported, at_top in package_imports(tree) if not at_top]
    assert hidden == []


def test_sizes():
    long_modules = {p.name: n for p in PACKAGE.glob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    long_functions = [f"{name}.{node.name}: {node.end_lineno - node.lineno + 1}" for name, tree in modules().items()
                      for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.end_lineno - node.lineno + 1 > 60]
    assert long_modules == {} and long_functions == []


def test_tests_mirror_modules():
    tests = {path.stem for path in Path(__file__).parent.glob("test_*.py")}
    untested = [name for name in modules() if name not in ("__init__", "__main__") and f"test_{name}" not in tests]
    assert untested == []
