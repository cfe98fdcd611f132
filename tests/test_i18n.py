"""The catalogs: every marked message is translated, and the compiled .mo matches the .po."""

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from relaytui import i18n

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "relaytui"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_catalog_translates_every_message(language):
    po_path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "relaytui.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"{len(missing)} messages lack a {language} translation, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_compiled_catalog_is_current(language):
    folder = i18n.LOCALE_DIR / language / "LC_MESSAGES"
    with (folder / "relaytui.po").open("rb") as fh:
        catalog = read_po(fh)
    with (folder / "relaytui.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
            found = (
                compiled.pgettext(message.context, message.id)
                if message.context
                else compiled.gettext(message.id)
            )
            assert found == message.string, f"run pybabel compile ({message.id!r})"


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_placeholders_survive_translation(language):
    import re

    po_path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "relaytui.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(re.findall(r"\{(\w*)\}", " ".join(ids))))
        for string in strings:
            got = sorted(set(re.findall(r"\{(\w*)\}", string)))
            assert wanted == got, f"placeholders differ in {language} {message.id!r}"


def test_danish_is_used_when_asked():
    i18n.set_language("da")
    try:
        assert i18n.current_language() == "da"
        assert (
            i18n._(
                "Only the holder writes in a relay log; you read it as an actor. Ask the holder to add it."
            )
            != "Only the holder writes in a relay log; you read it as an actor. Ask the holder to add it."
        )
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize(
    ("asked", "expected"), [("nn", "nn"), ("nb_NO.UTF-8", "nb"), ("no", "nb"), ("nn-NO", "nn")]
)
def test_norwegian_is_used_when_asked(asked, expected):
    i18n.set_language(asked)
    try:
        assert i18n.current_language() == expected
        assert i18n._("Holder") == {"nb": "Stafettholder", "nn": "Stafetthaldar"}[expected]
    finally:
        i18n.set_language("en")


def test_unknown_language_falls_back_to_english():
    assert i18n.set_language("xx") == "en"
