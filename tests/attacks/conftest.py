"""The attack suite (issue 14): each case is what an attacker with write access to the database
file or the server tried, reproduced; it runs on SQLite and PostgreSQL (the ``store`` fixture
of tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.factories import build_world


@pytest.fixture
def world(store):
    """A Danish municipality on each store."""
    return build_world(store, "dk")
