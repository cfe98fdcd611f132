"""The test suite's own house (issue 17): no test module imports another test module.

A test module (``test_*.py``) or a ``conftest.py`` that imports from another test module or from
a conftest gets that module's tests and fixtures too, and breaks when they move. What tests share
lives in plain modules (tests/factories.py, tests/screens/signing_in.py, tests/cli/running.py,
tests/server/serving.py, ...) or in fixtures of the nearest conftest.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _test_files() -> list[Path]:
    return sorted(
        path
        for path in TESTS.rglob("*.py")
        if path.name.startswith("test_") or path.name == "conftest.py"
    )


def _is_test_module(dotted: str) -> bool:
    """``tests.x.test_y`` or ``tests.x.conftest`` (and anything inside them)."""
    parts = dotted.split(".")
    return parts[0] == "tests" and any(
        part.startswith("test_") or part == "conftest" for part in parts[1:]
    )


def _imported(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports from (at any depth: inside functions too), absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # ``from tests.screens import test_x`` imports the test module itself
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def test_the_test_files_are_found() -> None:
    names = {path.name for path in _test_files()}
    assert "conftest.py" in names and "test_test_house.py" in names


def test_no_test_module_or_conftest_imports_another_test_module_or_a_conftest() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
        for path in _test_files()
        for line, module in _imported(path)
        if _is_test_module(module)
    ]
    assert offenders == [], "\n".join(offenders)


def test_the_check_sees_the_imports_it_forbids() -> None:
    assert _is_test_module("tests.services.test_logs")
    assert _is_test_module("tests.conftest")
    assert _is_test_module("tests.server.conftest")
    assert not _is_test_module("tests.factories")
    assert not _is_test_module("tests.screens.reading")
    assert not _is_test_module("relaytui.services.logs")
