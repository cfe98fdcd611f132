"""Dates, times and numbers in the user's language (Babel's locale data, CLDR).

English, the source language, shows ISO 8601 (2026-11-23 08:00): unambiguous for everyone,
and what the date fields take. Danish and Norwegian show their own forms (23.11.2026 08.00).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from relaytui.i18n import current_language

#: The Babel locale of each language relaytui speaks.
LOCALES = {"en": "en_GB", "da": "da_DK", "nb": "nb_NO", "nn": "nn_NO", "no": "nb_NO"}


def locale() -> str:
    return LOCALES.get(current_language(), "en_GB")


@lru_cache(maxsize=8)
def _locale_object(name: str):
    from babel import Locale

    return Locale.parse(name)


def date_text(day: date | None, missing: str = "-") -> str:
    if day is None:
        return missing
    if current_language() == "en":
        return day.isoformat()
    from babel.dates import format_date

    return format_date(day, format="short", locale=_locale_object(locale())).replace("/", ".")


def time_text(moment: datetime | None, missing: str = "-") -> str:
    if moment is None:
        return missing
    if current_language() == "en":
        return moment.strftime("%H:%M")
    from babel.dates import format_time

    return format_time(moment, format="short", locale=_locale_object(locale()))


def date_time_text(moment: datetime | None, missing: str = "-") -> str:
    if moment is None:
        return missing
    return f"{date_text(moment.date())} {time_text(moment)}"


def long_date_text(day: date) -> str:
    """The weekday and the date in words, as in a letter."""
    from babel.dates import format_date

    lang = current_language()
    return format_date(
        day,
        format="full",
        locale=_locale_object(LOCALES.get(lang, "en_GB") if lang != "en" else "en_GB"),
    )


def day_month_text(day: date) -> str:
    """The day and the month in words, as the language writes them: "6 December", "6. december",
    "6. desember" (Babel's skeleton MMMMd, so Norwegian and Danish keep the full stop)."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMMd", day, locale=_locale_object(locale()))


def local_date_time(moment: datetime | None, tz: str, missing: str = "-") -> str:
    """A stored UTC moment, in the installation's time zone and the user's format."""
    if moment is None:
        return missing
    from zoneinfo import ZoneInfo

    return date_time_text(moment.astimezone(ZoneInfo(tz)))


def local_date(moment: datetime | None, tz: str, missing: str = "-") -> str:
    if moment is None:
        return missing
    from zoneinfo import ZoneInfo

    return date_text(moment.astimezone(ZoneInfo(tz)).date())
