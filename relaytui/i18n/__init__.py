"""Message catalogs and the ``_()`` function.

English is the source language; catalogs are gettext ``.po`` files compiled to ``.mo``
(``pybabel compile -d relaytui/i18n/locales -D relaytui``). The language is chosen once per
process (``--lang``, the settings, or the environment) and can be changed at run time: ``_()``
looks the message up at call time, so a string translated after ``set_language`` follows it.
"""

from __future__ import annotations

import gettext
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "relaytui"
LOCALE_DIR = Path(__file__).parent / "locales"
#: Languages with a catalog, beside the English source.
LANGUAGES = ("en", "da", "nb", "nn")
#: Each language in its own words: a reader finds theirs whatever the page is in now.
LANGUAGE_NAMES = {
    "en": "English",
    "da": "Dansk",
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
}

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _normalise(code: str | None) -> str | None:
    if not code:
        return None
    code = code.split(".")[0].split("@")[0].replace("-", "_").lower()
    base = code.split("_")[0]
    if base == "no":  # plain "Norwegian" means bokmål, the written form most people use
        return "nb"
    if base in ("nb", "nn"):
        return base
    return base or None


def known_language(code: str | None) -> str | None:
    """``code`` as one of LANGUAGES ("no" and "nb_NO" are "nb"), or ``None`` when unknown."""
    lang = _normalise(code)
    return lang if lang in LANGUAGES else None


def language_from_environment() -> str | None:
    """The language asked for by ``RELAYTUI_LANG`` or the usual POSIX variables."""
    for var in ("RELAYTUI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return _normalise(value.split(":")[0])
    return None


def _load(code: str | None) -> tuple[gettext.NullTranslations, str]:
    lang = _normalise(code) or "en"
    if lang == "en":
        return gettext.NullTranslations(), "en"
    try:
        return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang]), lang
    except OSError:
        return gettext.NullTranslations(), "en"


def set_language(code: str | None) -> str:
    """Switch the process to ``code``; unknown languages fall back to English."""
    global _translation, _language
    _translation, _language = _load(code)
    return _language


#: A language spoken by one thread only (a paper for a family in the log's own language,
#: made in a worker while the screen goes on in the user's).
_thread = threading.local()


@contextmanager
def speaking(code: str | None) -> Iterator[str]:
    """Within the block, this thread speaks ``code`` (``None``: the process's language)."""
    if not code:
        yield current_language()
        return
    previous = getattr(_thread, "spoken", None)
    _thread.spoken = _load(code)
    try:
        yield _thread.spoken[1]
    finally:
        _thread.spoken = previous


def _spoken() -> tuple[gettext.NullTranslations, str]:
    spoken = getattr(_thread, "spoken", None)
    return spoken if spoken is not None else (_translation, _language)


def current_language() -> str:
    return _spoken()[1]


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _spoken()[0].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _spoken()[0].ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` as said in ``context``: the same English word may need a shorter
    or different form in one place (a narrow table column) than elsewhere."""
    return _spoken()[0].pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message
