"""The shape of the package: the stage subpackages are the flow, and nothing imports up it.

Layers, lowest first (README, *Layout of the code*); a module may import from its own
layer and the layers before it, never after:

    core → xlsx → reading → generation → checking → consolidation → publishing → (top: cli, demo)

Besides: no import cycles between modules; no package import hidden in a function (outside
``cli.py`` and ``__init__.py``, which start fast); only the entry points at the top; no
module over 600 lines, no function over 60; a test file for every module; ``py.typed`` and
``__all__`` for the public API."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kpi_workbook"
LAYERS = ["core", "xlsx", "reading", "generation", "checking", "consolidation", "publishing", ""]
TOP = {"__init__", "__main__", "cli", "demo"}  # the package's entry points
LAZY_ALLOWED = {"cli", "__init__"}  # the command line and the API start fast


@functools.lru_cache(maxsize=1)
def modules() -> dict:
    """{dotted name under the package ("checking.check", "cli"): parsed module}."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"))
    return out


def layer(name: str) -> str:
    return name.split(".")[0] if "." in name else ""


def resolve(importer: str, node: ast.ImportFrom) -> list:
    """The package modules a relative ``from … import …`` names (dotted, as :func:`modules`)."""
    known = modules()
    base = importer.split(".")[:-1]  # the importer's package
    base = base[:len(base) - (node.level - 1)]
    prefix = base + (node.module.split(".") if node.module else [])
    out = []
    for alias in node.names:
        candidate = ".".join(prefix + [alias.name])
        if candidate in known:
            out.append(candidate)
        elif ".".join(prefix) in known:
            out.append(".".join(prefix))
        elif ".".join(prefix + ["__init__"]) in known:
            out.append(".".join(prefix + ["__init__"]))
    return out


def imports(importer: str, tree) -> list:
    """(imported module, at module level?) for each relative import of *importer*."""
    top = set(map(id, tree.body))
    return [(imported, id(node) in top) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level >= 1 for imported in resolve(importer, node)]


def test_only_the_entry_points_sit_at_the_top_and_every_module_is_in_a_stage():
    names = modules()
    assert {n for n in names if "." not in n} == TOP
    assert {layer(n) for n in names} <= set(LAYERS)
    assert len({layer(n) for n in names if layer(n) not in ("", "core", "xlsx")}) >= 5


def test_nothing_imports_up_the_flow():
    wrong = []
    for name, tree in modules().items():
        for imported, _ in imports(name, tree):
            if LAYERS.index(layer(imported)) > LAYERS.index(layer(name)) and not imported.endswith("__init__"):
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_import_cycles():
    graph = {name: {imp for imp, at_top in imports(name, tree) if at_top and imp != name}
             for name, tree in modules().items()}
    done: set = set()
    cycles: list = []

    def visit(node, path):
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(" → ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, path + [nxt])
        done.add(node)

    for node in sorted(graph):
        if node not in done:
            visit(node, [node])
    assert cycles == []


def test_no_package_import_hidden_in_a_function():
    hidden = [f"{name}: {imported}" for name, tree in modules().items() if name.split(".")[-1] not in LAZY_ALLOWED
              for imported, at_top in imports(name, tree) if not at_top]
    assert hidden == []


def test_sizes():
    long_modules = {p.name: n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    long_functions = [f"{name}.{node.name}: {node.end_lineno - node.lineno + 1}" for name, tree in modules().items()
                      for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.end_lineno - node.lineno + 1 > 60]
    assert long_modules == {} and long_functions == []


def test_tests_mirror_modules():
    tests = {path.stem for path in Path(__file__).parent.glob("test_*.py")}
    stems = [name.split(".")[-1] for name in modules() if name.split(".")[-1] not in ("__init__", "__main__")]
    assert len(stems) == len(set(stems)), "module names are unique across stages, so tests/test_<name>.py is one"
    assert [stem for stem in stems if f"test_{stem}" not in tests] == []


def test_typed_package_with_an_explicit_api():
    import kpi_workbook

    assert (PACKAGE / "py.typed").exists()
    assert {"generate", "check_files", "check_workbook", "consolidate", "publish", "load_round",
            "load_survey", "read_roster"} <= set(kpi_workbook.__all__)
    for name in kpi_workbook.__all__:
        assert getattr(kpi_workbook, name) is not None


@pytest.mark.parametrize("stage", [s for s in LAYERS if s])
def test_each_stage_says_what_it_is(stage):
    assert ast.get_docstring(modules()[f"{stage}.__init__"])


def test_every_file_the_package_reads_is_in_the_wheel():
    """setup.cfg's package data covers every non-Python file beside the modules (a template
    left out works from the checkout and fails from the installed wheel)."""
    import configparser
    import fnmatch
    config = configparser.ConfigParser()
    config.read(PACKAGE.parent / "setup.cfg", encoding="utf-8")
    patterns = {package: [p.strip() for p in value.split(",")]
                for package, value in config["options.package_data"].items()}
    for path in PACKAGE.rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(PACKAGE.parent)
        owners = [(package, "/".join(relative.parts[len(package.split(".")):])) for package in patterns
                  if relative.parts[:len(package.split("."))] == tuple(package.split("."))]
        assert any(fnmatch.fnmatch(rest, pattern) for package, rest in owners for pattern in patterns[package]), \
            f"{relative} is not in setup.cfg's [options.package_data]"
