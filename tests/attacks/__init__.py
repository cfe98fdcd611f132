"""The attack suite (issue 14): each case is what an attacker with write access to the database
file or the server tried, reproduced; it runs on SQLite and PostgreSQL (the ``store`` and ``world``
fixtures of tests/conftest.py)."""
