"""The type checker keeps the services and the models honest (issue 17).

mypy reads its settings from pyproject.toml ([tool.mypy]: the files, check_untyped_defs, the
third-party modules without types). A column compared as a plain value, an id that may be
None passed where one is needed, a tuple of the wrong length: each is an error here, before a
test has to stumble on it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (pip install -e '.[test]')",
)
def test_mypy_finds_nothing_in_the_services_and_the_models() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"mypy (rc {done.returncode}):\n{done.stdout}{done.stderr}"
