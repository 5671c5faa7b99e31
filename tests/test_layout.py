"""The layout the project keeps: small modules with one concern, short functions.

"About 400 lines a module, about 50 a function" (STYLE.md): a little slack for a docstring,
none for a module that has grown a second concern.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 420
MAX_FUNCTION_LINES = 55


def _modules():
    for app in ("events", "registrations"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


@pytest.mark.parametrize("path", list(_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path):
    source = path.read_text()
    assert source.count("\n") <= MAX_MODULE_LINES, f"{path.name} has grown past one concern"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"split these functions: {long}"


def test_no_import_inside_a_function_of_the_registrations_layers():
    """A circle is a design error, not something to hide in a function body (the only
    exceptions: signal wiring in AppConfig.ready and the PDF library loaded on use)."""
    allowed = {("apps.py", "ready"), ("pdf.py", "_pdf")}
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                if inner and (path.name, node.name) not in allowed:
                    found.append(f"{path.relative_to(ROOT)}:{node.name}")
    assert not found, found
