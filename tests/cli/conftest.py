"""What the command-line tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_path(tmp_path) -> Path:
    """Where a test's database file goes; the command line creates it."""
    return tmp_path / "relay.db"
