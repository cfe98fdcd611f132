"""Plain-language hints on real sentences in Danish, nynorsk and bokmål (R16), and the
per-person switch.

Each hint must point at the words it names; sentences written as the guides ask must raise
none, so the panel stays quiet for a caseworker who writes well.
"""

from __future__ import annotations

import pytest

from relaytui.errors import NotAllowed
from relaytui.models import Setting
from relaytui.services import access, writing
from relaytui.services.writing import hints

pytestmark = pytest.mark.rule("R16")


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    found = hints(text, language)
    for hint in found:
        assert text[hint.start : hint.end] == hint.words  # the offsets name the words
        assert hint.why  # every hint says why
    return [(hint.kind, hint.words) for hint in found]


# --- sentences that must raise no hint --------------------------------------------------------

QUIET = [
    ("da", "Mor henter Ida kl. 15."),
    ("da", "Lægen undersøger Ida tirsdag den 3. marts."),
    ("da", "Ida siger, at hun er sulten. Hun spiser to stykker rugbrød."),
    ("da", "Mormor er syg, så far kører Ida i børnehave mandag og onsdag."),
    ("da", "Mor blev glad, da Ida sang for hende. Det lykkes Ida at tage jakken på selv."),
    ("da", "Agnes leger med Man fra 3.b i frikvarteret."),  # Man, a name mid-sentence
    ("nn", "Eg ringjer til mor i morgon."),
    ("nn", "Helsesjukepleiaren møter Ola og far på skulen torsdag klokka 10."),
    ("nn", "Ola seier at han ikkje har ete frukost. Han et to brødskiver i barnehagen."),
    ("nn", "Ho er sterkast i klassen og har mange vener."),
    ("nb", "Far ringer til skolen fredag."),
    ("nb", "Læreren snakker med Emma etter lunsj, og mor henter henne klokken 14."),
    ("nb", "Emma trives i barnehagen og leker med to venner."),
    ("en", "Mother picks Ida up at 3 pm on Friday."),
]


@pytest.mark.parametrize(("language", "text"), QUIET)
def test_clear_concrete_sentences_raise_no_hint(language, text):
    assert kinds(text, language) == []


# --- the issue's sentence and each kind of hint ------------------------------------------------


def test_the_issues_sentence_gives_at_least_two_hints():
    found = kinds("Man undersøger om barnet forefindes i klassen.", "da")
    assert ("impersonal_man", "Man") in found
    assert ("official_word", "forefindes") in found
    assert len(found) >= 2
    forefindes = next(
        h
        for h in hints("Man undersøger om barnet forefindes i klassen.", "da")
        if h.kind == "official_word"
    )
    assert forefindes.plainer is not None and "er" in forefindes.plainer


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("da", "Der ringes til mor i morgen.", "Der ringes"),
        ("da", "Bagefter undersøges det, og det undersøges igen.", "det undersøges"),
        ("da", "Ida blev undersøgt af en læge i går.", "blev undersøgt"),
        ("da", "Sagen skal vurderes af lederen.", "skal vurderes"),
        ("da", "Ida er blevet hentet af en nabo.", "blevet hentet"),
        ("nn", "Det vert undersøkt om Ola et frukost.", "vert undersøkt"),
        ("nn", "Det undersøkjast om Ola et frukost.", "Det undersøkjast"),
        ("nn", "Tiltaket skal evaluerast i juni.", "skal evaluerast"),
        ("nn", "Stafettloggen utarbeidast i samarbeidsmøte.", "utarbeidast"),
        ("nn", "Foreldra vert deretter invitert inn.", "vert deretter invitert"),
        ("nb", "Det undersøkes om Emma spiser frokost.", "Det undersøkes"),
        ("nb", "Emma blir hentet av en nabo.", "blir hentet"),
        ("nb", "Tiltaket skal vurderes i juni.", "skal vurderes"),
    ],
)
def test_passive_forms_where_an_active_verb_would_name_who_acts(language, text, words):
    assert ("passive", words) in kinds(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("da", "Man skal ringe til mor."),
        ("da", "Vi aftalte, at man ringer til mor."),
        ("nb", "Man må snakke med far."),
        ("nn", "Ein kan logge inn med BankID."),
        ("nn", "Man bør snakke med far."),
    ],
)
def test_the_impersonal_man(language, text):
    assert [kind for kind, _ in kinds(text, language)].count("impersonal_man") == 1


def test_man_inside_other_words_or_as_a_name_is_left_alone():
    text = "Mandag kom manden med Man og Emanuel. Romanen handler om en mand."
    assert "impersonal_man" not in [kind for kind, _ in kinds(text, "da")]
    assert [
        w for k, w in kinds("Ein gut og ein kan ikkje vite det.", "nn") if k == "impersonal_man"
    ] == ["ein"]


@pytest.mark.parametrize(
    ("language", "text", "words", "plainer"),
    [
        ("da", "Mor påhviler ansvaret.", "påhviler", "har ansvaret for"),
        ("da", "I henhold til aftalen kommer Ida kl. 8.", "I henhold til", "efter"),
        ("da", "Mødet vedrørende Ida er flyttet.", "vedrørende", "om"),
        ("da", "Endvidere spiser Ida dårligt.", "Endvidere", "også"),
        ("da", "Han kom foranlediget af brevet.", "foranlediget", "fordi / på grund af"),
        ("da", "Ida har det således godt.", "således", "sådan / så"),
        ("nn", "Mor fekk brev vedrørande Ola.", "vedrørande", "om"),
        ("nn", "Det skjer iht. planen.", "iht.", "etter"),
        ("nn", "Ein lærar forefinst ikkje på skulen.", "forefinst", "finst / er"),
        ("nb", "Emma forefinnes i klassen.", "forefinnes", "finnes / er"),
        ("nb", "Vi møtes vedrørende Emma.", "vedrørende", "om"),
        ("nb", "Ansvaret påhviler skolen.", "påhviler", "har ansvaret for"),
    ],
)
def test_official_words_with_their_plainer_form(language, text, words, plainer):
    found = [h for h in hints(text, language) if h.kind == "official_word"]
    assert [(h.words, h.plainer) for h in found] == [(words, plainer)]


def test_each_language_has_at_least_ten_official_words():
    for language in ("da", "nn", "nb"):
        assert len(writing.word_table(language).official) >= 10, language


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("da", "Mor ringer snart.", "snart"),
        ("da", "Vi taler om det senere.", "senere"),
        ("da", "Ida skal på et tidspunkt til lægen.", "på et tidspunkt"),
        ("da", "Mødet holdes inden længe.", "inden længe"),
        ("nn", "Far ringjer seinare.", "seinare"),
        ("nn", "Ola får hjelp etter kvart.", "etter kvart"),
        ("nb", "Far ringer senere.", "senere"),
        ("nb", "Emma får hjelp etter hvert.", "etter hvert"),
    ],
)
def test_vague_time(language, text, words):
    assert ("vague_time", words) in kinds(text, language)


@pytest.mark.parametrize(
    ("language", "text", "words"),
    [
        ("da", "Det virker til at Ida er ked af det.", "virker til at"),
        ("da", "Han vil bare have opmærksomhed.", "vil bare"),
        ("da", "Ida gør det for at drille.", "gør det for at"),
        ("da", "Ida provokerer de andre børn.", "provokerer"),
        ("da", "Hun er opmærksomhedssøgende.", "opmærksomhedssøgende"),
        ("da", "Han manipulerer mor.", "manipulerer"),
        ("nn", "Ola verkar til å vere lei seg.", "verkar til å"),
        ("nn", "Han vil berre ha merksemd.", "vil berre"),
        ("nn", "Ola gjer det for å irritere.", "gjer det for å"),
        ("nb", "Emma provoserer de voksne.", "provoserer"),
        ("nb", "Hun gjør det for å få oppmerksomhet.", "gjør det for å"),
        ("nb", "Han er oppmerksomhetssøkende.", "oppmerksomhetssøkende"),
    ],
)
def test_interpretation_of_motives(language, text, words):
    assert ("interpretation", words) in kinds(text, language)


def test_a_long_sentence_says_how_many_words_it_has():
    long = (
        "Ida kom i børnehaven i dag uden madpakke og uden tøj til turen, og hun sagde til "
        "pædagogen at mor havde sovet længe fordi lillebror havde været syg hele natten og far "
        "var på arbejde."
    )
    short = "Ida kom uden madpakke."
    found = hints(f"{short} {long}", "da")
    assert [h.kind for h in found] == ["long_sentence"]
    hint = found[0]
    assert hint.words == long and hint.start == len(short) + 1
    assert len(long.split()) == 35 and "35 words" in hint.why
    assert hints(" ".join(["ord"] * 25) + ".", "da") == []  # 25 words are not too many


def test_hints_come_in_text_order_and_english_or_unknown_languages_never_crash():
    found = hints("Det undersøges senere. Man ringer.", "da")
    assert [h.start for h in found] == sorted(h.start for h in found)
    assert hints("", "da") == [] and hints("   \n\n", "nn") == []
    assert hints("Man undersøger om barnet forefindes.", "en") == []
    assert [h.kind for h in hints("We will meet soon regarding Ida.", "en")] == [
        "vague_time",
        "official_word",
    ]
    assert hints("Man undersøger om barnet forefindes.", "xx") == []
    assert hints("[bold]x[/] \x1b[31m (( ** ??", "nb") == []


def test_the_texts_language_follows_the_user_then_the_installation():
    assert writing.language_of_text("da", "no") == "da"
    assert writing.language_of_text("nb", "dk") == "nb"
    assert writing.language_of_text("en", "dk") == "da"
    assert writing.language_of_text("en", "no") == "nn"


def test_finding_hints_in_2000_characters_ends_and_finds_them():
    """A guard against a pattern that backtracks without end on a long text; how long it takes
    is measured by ``python -m benchmarks.writing_hints`` (its "2,000 characters" column)."""
    text = (
        "Man undersøger om barnet forefindes i klassen. Der ringes senere til mor, og det "
        "undersøges om Ida provokerer. " * 20
    )[:2000]
    found = {language: hints(text, language) for language in ("da", "nn", "nb", "en")}
    assert found["da"], "the Danish hints find 'Man' and 'forefindes' in a long text too"


# --- the switch, per person -----------------------------------------------------------------


def test_each_person_switches_the_hints_off_for_themselves(world):
    anna, bo, admin = world.ref("anna"), world.ref("bo"), world.ref("admin")
    assert writing.hints_enabled(world.store, anna) and writing.hints_enabled(world.store, bo)
    assert writing.set_hints_enabled(world.store, anna, False) is False
    assert not writing.hints_enabled(world.store, anna)
    assert writing.hints_enabled(world.store, bo)  # nobody else's choice changed
    writing.set_hints_enabled(world.store, anna, False)  # twice is no error
    writing.set_hints_enabled(world.store, admin, False)  # an administrator writes no entries,
    assert not writing.hints_enabled(world.store, admin)  # but may switch his own
    writing.set_hints_enabled(world.store, anna, True)
    assert writing.hints_enabled(world.store, anna)
    with world.store.session() as session:
        assert session.get(Setting, f"writing_hints_off:{anna.id}") is None
        assert session.get(Setting, f"writing_hints_off:{admin.id}").value == "1"


def test_the_command_line_has_no_switch_of_its_own(world):
    system = access.system_administrator()
    assert writing.hints_enabled(world.store, system)
    with pytest.raises(NotAllowed):
        writing.set_hints_enabled(world.store, system, False)
