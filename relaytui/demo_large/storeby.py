"""Storeby, the large demo municipality, in words: its names from data/demo/large.toml, and
what it shares with the small Danish demo (Kirkeby, data/demo/dk.toml), so both demos speak
alike.
"""

from __future__ import annotations

from relaytui import data_files
from relaytui.demo import country

STOREBY = data_files.demo_municipality("large")
KIRKEBY = country("dk")
TZ = KIRKEBY.timezone
FIRST = tuple(STOREBY["first_names"])
LAST = tuple(STOREBY["last_names"])
MOTHERS = KIRKEBY.mothers
FATHERS = KIRKEBY.fathers
UNIT_KINDS = tuple((unit["kind"], unit["name"]) for unit in STOREBY["units"])
PROFESSIONS: dict[str, str] = STOREBY["professions"]
CONCERNS = KIRKEBY.concerns
NOTES = KIRKEBY.notes
EFFORTS = tuple(what for what, _staff, _text in KIRKEBY.efforts)
LEVEL_REASONS = KIRKEBY.level_reasons
AGENDA = tuple(STOREBY["agenda"])
