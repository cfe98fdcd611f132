"""The writing hints against a labelled corpus (R16, issue 16): passives and interpretations in
Danish, bokmål and nynorsk, with precision and recall per language and kind.

The corpus is tests/data/writing_corpus.toml; ``python -m benchmarks.writing_hints`` prints the
same figures and what they cost. The bars sit a little under what the hints reach: with the
system's Hunspell dictionaries (Debian's hunspell-da and hunspell-no, installed by .ci/run), and,
where a dictionary is missing, with what remains (lemmy for Danish, the tables for all).
"""

from __future__ import annotations

import pytest

from benchmarks.writing_hints import load_corpus, misses, score
from relaytui.services import writing
from relaytui.services.writing import hints

pytestmark = pytest.mark.rule("R16")

#: (precision, recall) at least, per language and kind, by what tells the words apart.
WITH_DICTIONARY = {
    ("da", "passive"): (0.95, 0.95),
    ("da", "interpretation"): (0.95, 0.95),
    ("nb", "passive"): (0.95, 0.95),
    ("nb", "interpretation"): (0.95, 0.95),
    ("nn", "passive"): (0.95, 0.92),
    ("nn", "interpretation"): (0.95, 0.95),
}
WITH_LEMMY = {("da", "passive"): (0.95, 0.88)}
TABLES_ONLY = {
    ("da", "passive"): (0.95, 0.48),
    ("nb", "passive"): (0.95, 0.48),
    ("nn", "passive"): (0.95, 0.76),
    ("da", "interpretation"): (0.95, 0.95),
    ("nb", "interpretation"): (0.95, 0.95),
    ("nn", "interpretation"): (0.95, 0.95),
}


def _forget_analyses() -> None:
    for cached in (writing._analyses, writing._is_verb, writing._lemmy_s_passive):
        cached.cache_clear()


@pytest.fixture
def tables_only(monkeypatch):
    """No dictionary and no lemmatizer, as on a machine without them."""
    monkeypatch.setattr(writing, "_spellers", dict.fromkeys(("da", "nb", "nn"), None))
    monkeypatch.setattr(writing, "_lemmatizers", dict.fromkeys(("da", "nb", "nn"), None))
    _forget_analyses()
    yield
    _forget_analyses()


def _bar(language: str, kind: str) -> tuple[float, float]:
    if writing._speller(language) is not None:
        return WITH_DICTIONARY[language, kind]
    if writing._lemmatizer(language) is not None and (language, kind) in WITH_LEMMY:
        return WITH_LEMMY[language, kind]
    return TABLES_ONLY[language, kind]


def test_the_corpus_has_sixty_labelled_sentences_per_language():
    corpus = load_corpus()
    for language in ("da", "nb", "nn"):
        rows = corpus[language]
        assert len(rows) >= 60, language
        assert all(wanted <= {"passive", "interpretation"} for _text, wanted in rows)
        for kind in ("passive", "interpretation"):
            assert sum(1 for _text, wanted in rows if kind in wanted) >= 15, (language, kind)
        assert sum(1 for _text, wanted in rows if not wanted) >= 25, language


@pytest.mark.parametrize("kind", ["passive", "interpretation"])
@pytest.mark.parametrize("language", ["da", "nb", "nn"])
def test_precision_and_recall_on_the_corpus(language, kind):
    figures = score(hints)[language, kind]
    precision, recall = _bar(language, kind)
    wrong = [text for lang, k, _how, text in misses(hints) if (lang, k) == (language, kind)]
    assert figures.precision >= precision, wrong
    assert figures.recall >= recall, wrong


def test_without_dictionaries_the_tables_still_give_their_hints(tables_only):
    assert writing.analysis_in_use() == "da: tables only, nb: tables only, nn: tables only"
    scores = score(hints)
    for (language, kind), (precision, recall) in TABLES_ONLY.items():
        assert scores[language, kind].precision >= precision, (language, kind)
        assert scores[language, kind].recall >= recall, (language, kind)
    assert ("passive", "Der ringes") in [
        (h.kind, h.words) for h in hints("Der ringes til mor.", "da")
    ]


def passives(text: str, language: str) -> list[str]:
    return [h.words for h in hints(text, language) if h.kind == "passive"]


needs_dictionary = pytest.mark.skipif(
    any(writing._speller(language) is None for language in ("da", "nb", "nn")),
    reason="Debian's hunspell-da and hunspell-no are not installed (.ci/run installs them)",
)


@needs_dictionary
@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("da", "Sagen behandles på næste møde.", ["behandles"]),
        ("da", "Barnet undersøges af lægen.", ["undersøges"]),
        ("da", "Forældrene inddrages i alle beslutninger.", ["inddrages"]),  # a strong verb
        ("da", "Ida blev grundigt undersøgt af lægen.", ["blev grundigt undersøgt"]),
        ("nb", "Saken behandles på neste møte.", ["behandles"]),
        ("nb", "Emma ble kjeftet på av læreren.", ["ble kjeftet"]),
        ("nn", "Tiltaket evaluerast i juni.", ["evaluerast"]),
        ("nn", "Ola vart henta av ein nabo.", ["vart henta"]),
    ],
)
def test_the_s_passive_anywhere_and_bli_with_any_participle(language, text, words):
    assert passives(text, language) == words


@needs_dictionary
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("da", "Ida trives, og det lykkes hende at lege med Agnes."),  # deponents and a name
        ("da", "Mor og pædagogen mødes hver fredag ved skolens port."),
        ("da", "Far blev vred, og Ida bliver hjemme."),
        ("nb", "Emma trives, og mor og far møtes hver fredag."),
        ("nn", "Ho er sterkast i klassen, trivst og møtest med vener kvar dag."),
        ("nn", "Far vart sint, og Ola blir heime frå skulen."),
    ],
)
def test_verbs_that_only_look_passive_get_no_hint(language, text):
    assert passives(text, language) == []


def test_danish_falls_back_on_lemmy_without_the_dictionary(monkeypatch):
    pytest.importorskip("lemmy")
    monkeypatch.setattr(writing, "_spellers", dict.fromkeys(("da", "nb", "nn"), None))
    _forget_analyses()
    try:
        assert writing.analysis_in_use().startswith("da: lemmy")
        assert passives("Sagen behandles på næste møde.", "da") == ["behandles"]
        assert passives("Ida trives, og det lykkes hende.", "da") == []
    finally:
        _forget_analyses()


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("da", "Ida er nok træt.", "nok"),
        ("da", "Ida græder, fordi hun nok savner far.", "nok"),
        ("da", "Ida virker ked af det.", "virker"),
        ("da", "Han slår formentlig, fordi han er jaloux.", "formentlig"),
        ("da", "Ida er tilsyneladende ligeglad.", "tilsyneladende"),
        ("da", "Det er vist svært for Ida.", "vist"),
        ("nb", "Emma er trolig lei seg.", "trolig"),
        ("nb", "Det er visst vanskelig hjemme.", "visst"),
        ("nn", "Ola verkar lei seg.", "verkar"),
        ("nn", "Han slår truleg fordi han er sjalu.", "truleg"),
        ("nn", "Ola er tilsynelatande likegyldig.", "tilsynelatande"),
    ],
)
def test_hedges_and_guesses_about_feelings_or_causes(language, text, words):
    assert [h.words for h in hints(text, language) if h.kind == "interpretation"] == [words]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("da", "Ida har spist nok mad og er stor nok til at gå alene. Hun fik nok af legen."),
        ("da", "Medicinen virker godt. Pædagogen har vist mor tegningen."),
        ("nb", "Emma fikk nok av leken. Medisinen virker."),
        ("nn", "Ola har ete nok mat. Medisinen verkar godt."),
    ],
)
def test_enough_works_and_shown_are_no_guesses(language, text):
    assert [h.words for h in hints(text, language) if h.kind == "interpretation"] == []
