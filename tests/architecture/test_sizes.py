"""Modules and functions a newcomer can hold: none over the limits below.

The limits are the house's (issue 17). A module that grows past them is split by what changes
together; a function is split into named steps. The migrations are history, written once and
never read as code to change, so they are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "relaytui"
MODULE_LINES = 600
FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.relative_to(PACKAGE).parts
    )


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_package_is_found() -> None:
    """The limits below would pass on an empty list; make sure they look at the code."""
    assert len(_modules()) > 50


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        _name(path): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert long == {}, f"modules over {MODULE_LINES} lines: split them by what changes together"


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_no_function_is_longer_than_the_limit() -> None:
    long = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            # A nested function counts in its parent's lines too: a long closure is long.
            lines = function.end_lineno - function.lineno + 1
            if lines > FUNCTION_LINES:
                long[f"{_name(path)}:{function.lineno} {function.name}"] = lines
    assert long == {}, f"functions over {FUNCTION_LINES} lines: split them into named steps"


@pytest.mark.parametrize("limit", [MODULE_LINES, FUNCTION_LINES])
def test_the_limits_can_fail(limit: int, tmp_path: Path) -> None:
    """The counting itself: a function one line over the limit is seen as over it."""
    body = "\n".join(f"    x{i} = {i}" for i in range(limit))
    tree = ast.parse(f"def too_long():\n{body}\n")
    (function,) = _functions(tree)
    assert function.end_lineno - function.lineno + 1 == limit + 1
