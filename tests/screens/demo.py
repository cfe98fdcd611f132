"""The moment the demo municipality of the snapshots is built at and shown on."""

from __future__ import annotations

from datetime import UTC, datetime

DEMO_NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
