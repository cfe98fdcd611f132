"""The linters keep the house (issue 17): ruff (lint and format) everywhere, mypy on the services
and the models, vulture on the product.

Each reads its settings from pyproject.toml. A column compared as a plain value, an id that may
be None passed where one is needed, an import nobody uses, a file laid out by hand: each is a
failure here, before a test has to stumble on it. Run ``ruff format relaytui tests benchmarks``
to lay the code out.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("relaytui", "tests", "benchmarks")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _needs(module: str):
    return pytest.mark.skipif(
        importlib.util.find_spec(module) is None,
        reason=f"{module} is not installed (pip install -e '.[test]')",
    )


@_needs("mypy")
def test_mypy_finds_nothing_in_the_services_and_the_models() -> None:
    done = _run("mypy")
    assert done.returncode == 0, f"mypy (rc {done.returncode}):\n{done.stdout}{done.stderr}"


@_needs("ruff")
def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", "--no-cache", *CODE)
    assert done.returncode == 0, f"ruff check (rc {done.returncode}):\n{done.stdout}{done.stderr}"


@_needs("ruff")
def test_the_code_is_laid_out_by_the_formatter() -> None:
    done = _run("ruff", "format", "--check", "--no-cache", *CODE)
    assert done.returncode == 0, (
        f"run `ruff format {' '.join(CODE)}` (rc {done.returncode}):\n{done.stdout}{done.stderr}"
    )


@_needs("vulture")
def test_vulture_finds_no_dead_code() -> None:
    done = _run("vulture")
    assert done.returncode == 0, f"vulture (rc {done.returncode}):\n{done.stdout}{done.stderr}"
