"""Plain-language hints while the holder writes (R16).

Guide 001 asks for short sentences, active verbs, who does what instead of "man", precise times,
plain words, and what was seen rather than what it is thought to mean. ``hints()`` points at the
places in a text that go against that advice, in the text's language; it is pure and fast, so a
screen may call it on every pause in typing. A hint is advice only: nothing here ever refuses
a text. Each person may switch the hints off for themselves (a setting of their own).

The word lists are data, one file per language in data/writing/ (see "the word tables" below);
patterns are regular expressions matched case-insensitively on word boundaries. Passives are
also found through the system's Hunspell dictionaries (see "the words' forms" below), which tell
an s-passive ("Sagen behandles") from a verb or noun that merely ends in -s. How well the hints
do is measured on tests/data/writing_corpus.toml (``python -m benchmarks.writing_hints``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from relaytui import data_files
from relaytui.db import Store
from relaytui.errors import NotAllowed
from relaytui.i18n import N_, _
from relaytui.models import Setting
from relaytui.models.base import stored_id
from relaytui.profiles import profile_of
from relaytui.services import access
from relaytui.services.access import StaffRef

#: A sentence with more words than this gets a hint.
LONGEST_SENTENCE = 25
#: The languages with word tables; any other language gets only the sentence-length hint.
LANGUAGES = ("da", "nn", "nb", "en")
KINDS = (
    "long_sentence",
    "impersonal_man",
    "passive",
    "official_word",
    "vague_time",
    "interpretation",
)

#: Why each kind of hint is given (translated where it is shown).
WHY = {
    "long_sentence": N_(
        "{count} words in one sentence. Short sentences are easier to read: split it "
        "(at most {limit} words)."
    ),
    "impersonal_man": N_('Say who instead of "{words}": a name, a job title, mother, grandfather.'),
    "passive": N_(
        'Passive form: say who does it, e.g. "the doctor examines" rather than "it is examined".'
    ),
    "official_word": N_("Official word: an everyday word is easier to read."),
    "vague_time": N_("Vague time: give the day, the date or the time."),
    "interpretation": N_(
        "Interpretation: write what the child did and said, not why you think they did it."
    ),
}


@dataclass(frozen=True)
class Hint:
    """One place in the text, ``text[start:end] == words``, and the advice about it."""

    kind: str
    start: int
    end: int
    words: str
    why: str
    plainer: str | None = None


# --- the word tables, one file per language in data/writing/ ----------------------------------
# Each file says how its patterns are written. Here they are put together: a pattern given as a
# list is its parts joined, and ${name} is the piece of that name in the file's [pieces].

_PIECE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class WordTable:
    """The word lists of one language, its patterns put together."""

    impersonal: tuple[str, ...]
    passive: tuple[str, ...]
    not_passive: frozenset[str]
    #: (pattern of an official word, the plainer words to say instead)
    official: tuple[tuple[str, str], ...]
    vague_time: tuple[str, ...]
    interpretation: tuple[str, ...]
    #: The Hunspell dictionary that knows the language's word forms, and what it is asked.
    dictionary: str | None
    auxiliaries: frozenset[str]
    participle_endings: tuple[str, ...]
    between: frozenset[str]


def _pattern(written: str | list[str], pieces: dict[str, str | list[str]]) -> str:
    joined = written if isinstance(written, str) else "".join(written)
    return _PIECE.sub(lambda piece: _pattern(pieces[piece.group(1)], {}), joined)


@cache
def word_table(language: str) -> WordTable:
    """The word lists of ``language`` (one of LANGUAGES), from data/writing/<language>.toml."""
    words = data_files.writing_words(language)
    pieces = words.get("pieces", {})
    forms = words.get("forms", {})

    def patterns(key: str) -> tuple[str, ...]:
        return tuple(_pattern(written, pieces) for written in words[key])

    return WordTable(
        impersonal=patterns("impersonal"),
        passive=patterns("passive"),
        not_passive=frozenset(words["not_passive"]),
        official=tuple(
            (_pattern(word, pieces), plainer) for word, plainer in words["official"].items()
        ),
        vague_time=patterns("vague_time"),
        interpretation=patterns("interpretation"),
        dictionary=forms.get("dictionary"),
        auxiliaries=frozenset(forms.get("auxiliaries", ())),
        participle_endings=tuple(forms.get("participle_endings", ())),
        between=frozenset(forms.get("between", ())),
    )


# --- the words' forms, from the system's spelling dictionaries -----------------------------------
# A regular expression cannot tell "Sagen behandles" (passive) from "Ida trives" (a verb that
# ends in -s and is no passive) or "Barnets" (a genitive). Hunspell's dictionaries can: Debian's
# hunspell-da tags each word form it derives (+PASSIV, +PERF_PART) and lists deponent verbs such
# as "synes", "lykkes", "mødes" as words of their own; hunspell-no (bokmål and nynorsk) names
# the stem and the suffix class of each form, and each verb has a present participle to show it is
# one. The dictionaries are read through the chunspell binding, once per language, on first use
# (about half a second; the hints panel loads them in a worker). Without the binding or the
# dictionary, Danish falls back on the lemmy lemmatizer (its rules ship in the package), and
# every language keeps the patterns of its word table.

#: Where Debian's hunspell-da and hunspell-no put their dictionaries.
DICTIONARY_FOLDERS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
#: Suffix classes of hunspell-no that make no past participle (imperative, -s, -ast, -ande).
_NOT_PARTICIPLE_CLASSES = {"fl:R", "fl:J", "fl:K", "fl:S"}
_loading = threading.Lock()
_spellers: dict[str, object | None] = {}
_lemmatizers: dict[str, object | None] = {}


def _speller(language: str):
    """The Hunspell dictionary of ``language``, or ``None`` when it or the binding is missing."""
    if language in _spellers:
        return _spellers[language]
    with _loading:
        if language not in _spellers:
            speller = None
            name = word_table(language).dictionary if language in LANGUAGES else None
            try:
                from hunspell import Hunspell
            except ImportError:
                Hunspell = None
            for folder in DICTIONARY_FOLDERS if name and Hunspell else ():
                if os.path.isfile(os.path.join(folder, f"{name}.dic")) and os.path.isfile(
                    os.path.join(folder, f"{name}.aff")
                ):
                    try:
                        speller = Hunspell(name, hunspell_data_dir=folder)
                        break
                    except Exception:  # noqa: BLE001 - an unreadable dictionary: the tables remain
                        speller = None
            _spellers[language] = speller
    return _spellers[language]


def _lemmatizer(language: str):
    """lemmy's Danish lemmatizer (only when no Danish dictionary is installed), or ``None``."""
    if language in _lemmatizers:
        return _lemmatizers[language]
    with _loading:
        if language not in _lemmatizers:
            lemmatizer = None
            if language == "da":
                try:
                    import lemmy

                    lemmatizer = lemmy.load("da")
                except Exception:  # noqa: BLE001 - not installed: the tables remain
                    lemmatizer = None
            _lemmatizers[language] = lemmatizer
    return _lemmatizers[language]


def prepare(language: str) -> None:
    """Load what ``hints()`` needs for ``language`` now (a screen calls this in a worker, so the
    first hint while typing does not wait for a dictionary)."""
    if _speller(language) is None:
        _lemmatizer(language)


def analysis_in_use() -> str:
    """What tells word forms apart in each language, e.g. "da: hunspell, nb: tables"."""
    parts = []
    for language in sorted(LANGUAGES):
        name = word_table(language).dictionary
        if name is None:
            continue
        if _speller(language) is not None:
            parts.append(f"{language}: hunspell {name}")
        elif _lemmatizer(language) is not None:
            parts.append(f"{language}: lemmy")
        else:
            parts.append(f"{language}: tables only")
    return ", ".join(parts)


@lru_cache(maxsize=16384)
def _analyses(language: str, word: str) -> tuple[tuple[str, str], ...]:
    """(stem, the rest of the analysis) for each way the dictionary derives ``word``."""
    speller = _speller(language)
    if speller is None:
        return ()
    found = []
    for line in speller.analyze(word):
        parts = line.split()
        if any(part.startswith("pa:") for part in parts):
            continue  # a compound made up on the fly, not a form of one word
        stem = next((part[3:] for part in parts if part.startswith("st:")), "")
        found.append((stem, " ".join(part for part in parts if not part.startswith("st:"))))
    return tuple(found)


@lru_cache(maxsize=4096)
def _is_verb(language: str, stem: str) -> bool:
    """Whether ``stem`` is a verb: the dictionary derives a present participle from it."""
    if not stem or stem[-1] not in "aeiouyæøå":
        return False
    for participle in (stem + "nde", stem + "ende", stem[:-1] + "ande", stem + "ande"):
        for base, rest in _analyses(language, participle):
            if base == stem and ("PRÆSENS_PART" in rest or "fl:S" in rest or rest == ""):
                return True
    return False


def _is_s_passive(language: str, word: str, not_passive: frozenset[str]) -> bool:
    """Whether ``word`` (lower case) is a verb in the s-passive: behandles, undersøkes, vurderast."""
    if word in not_passive:
        return False
    speller = _speller(language)
    if speller is None:
        return language == "da" and _lemmy_s_passive(word)
    analyses = _analyses(language, word)
    if language == "da":
        if not word.endswith("s") or any(
            stem.lower() == word and "+" not in rest for stem, rest in analyses
        ):
            return False  # a word of its own: a deponent (synes, mødes) or a name (Agnes)
        return any(
            "+PASSIV" in rest or (rest == "" and word == stem + "s" and _is_verb(language, stem))
            for stem, rest in analyses
        )
    if language == "nb":
        return word.endswith("s") and any(
            rest == "fl:J" and word == stem + "s" and _is_verb(language, stem)
            for stem, rest in analyses
        )
    # nynorsk: every way to read the word is the -ast passive of a verb (not sterkast, oftast, synast)
    return (
        word.endswith("ast")
        and bool(analyses)
        and all(rest == "fl:K" and _is_verb(language, stem) for stem, rest in analyses)
    )


@lru_cache(maxsize=4096)
def _lemmy_s_passive(word: str) -> bool:
    lemmatizer = _lemmatizer("da")
    if lemmatizer is None or not word.endswith("s") or len(word) < 5:
        return False
    lemmas = lemmatizer.lemmatize("", word)
    return (
        word not in lemmas
        and word[:-1] in lemmas
        and word[-2] in "aeiouyæøå"
        and (word[:-1] in lemmatizer.lemmatize("VERB", word))
    )


def _is_participle(language: str, word: str, not_passive: frozenset[str]) -> bool:
    """Whether ``word`` (lower case), after a form of blive / bli / verte, is a past participle."""
    if word in not_passive or not word.endswith(word_table(language).participle_endings):
        return False
    for stem, rest in _analyses(language, word):
        if stem.lower() == word or stem.endswith("s"):
            continue
        if language == "da":
            if "+PERF_PART" in rest or (rest == "" and _is_verb(language, stem)):
                return True
        elif rest and rest not in _NOT_PARTICIPLE_CLASSES and _is_verb(language, stem):
            return True
    return False


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _analysed_passives(
    text: str, language: str, not_passive: frozenset[str]
) -> list[tuple[int, int]]:
    """Where the dictionary finds passives in ``text``: an s-passive anywhere in a clause, and a
    form of blive / bli / verte with a past participle up to two words after it."""
    if language not in LANGUAGES or (_speller(language) is None and _lemmatizer(language) is None):
        return []
    table = word_table(language)
    found: list[tuple[int, int]] = []
    tokens = list(_TOKEN.finditer(text))
    for n, token in enumerate(tokens):
        word = token.group()
        if not word[0].isalpha() or (
            word[0].isupper() and not _starts_sentence(text, token.start())
        ):
            continue  # a number, a mark, or a name in mid-sentence
        lower = word.lower()
        if lower in table.auxiliaries:
            for after in tokens[n + 1 : n + 4]:
                following = after.group()
                if not following[0].isalpha() or following[0].isupper():
                    break  # the clause ends, or a name follows
                if _is_participle(language, following.lower(), not_passive):
                    found.append((token.start(), after.end()))
                    break
                if following.lower() not in table.between:
                    break
        elif len(lower) >= 3 and _is_s_passive(language, lower, not_passive):
            found.append((token.start(), token.end()))
    return found


# --- finding the hints -----------------------------------------------------------------------


def _words_pattern(pattern: str) -> str:
    """``pattern`` as whole words: a space in a table entry stands for any white space."""
    return r"(?<!\w)(?:" + pattern.replace(" ", r"\s+") + r")(?!\w)"


@dataclass(frozen=True)
class _Compiled:
    impersonal: re.Pattern[str] | None
    passive: tuple[re.Pattern[str], ...]
    not_passive: frozenset[str]
    official: re.Pattern[str] | None
    plainer: tuple[str, ...]
    vague_time: re.Pattern[str] | None
    interpretation: re.Pattern[str] | None


def _alternatives(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One pattern for all of ``patterns``; alternative ``n`` is the group ``w{n}``."""
    if not patterns:
        return None
    either = "|".join(f"(?P<w{n}>{p})" for n, p in enumerate(patterns))
    return re.compile(_words_pattern(either), re.IGNORECASE)


def _alternative(match: re.Match[str]) -> int:
    """Which alternative of an :func:`_alternatives` pattern matched: the ``n`` of ``w{n}``."""
    if match.lastgroup is None:
        raise ValueError("not a match of an _alternatives pattern")
    return int(match.lastgroup[1:])


@cache
def _compiled(language: str) -> _Compiled:
    table = word_table(language)
    return _Compiled(
        impersonal=_alternatives(table.impersonal),
        passive=tuple(re.compile(_words_pattern(p), re.IGNORECASE) for p in table.passive),
        not_passive=table.not_passive,
        official=_alternatives([word for word, _plainer in table.official]),
        plainer=tuple(plainer for _word, plainer in table.official),
        vague_time=_alternatives(table.vague_time),
        interpretation=_alternatives(table.interpretation),
    )


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"\S*\w\S*")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Where each sentence starts and ends (a line break ends one too)."""
    spans, start = [], 0
    for gap in _SENTENCE_END.finditer(text):
        spans.append((start, gap.start()))
        start = gap.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _starts_sentence(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t\"'«»“”(")
    return not before or before[-1] in ".!?…:\n"


def language_of_text(ui_language: str, profile: str) -> str:
    """The language a text is probably written in: the user's language, or when that is
    English, the installation's (``dk`` -> Danish, ``no`` -> nynorsk)."""
    if ui_language in ("da", "nn", "nb"):
        return ui_language
    if ui_language == "no":
        return "nb"
    return profile_of(profile).writing_language


def hints(text: str, language: str) -> list[Hint]:
    """The writing hints for ``text`` in ``language`` ("da", "nn", "nb" or "en"), in text order.

    An unknown language gets only the hint on long sentences."""
    found: list[Hint] = []

    def add(kind: str, start: int, end: int, plainer: str | None = None, **values: object) -> None:
        words = text[start:end]
        found.append(
            Hint(kind, start, end, words, _(WHY[kind]).format(words=words, **values), plainer)
        )

    for start, end in _sentences(text):
        count = len(_WORD.findall(text, start, end))
        if count > LONGEST_SENTENCE:
            add("long_sentence", start, end, count=count, limit=LONGEST_SENTENCE)
    if language not in LANGUAGES:
        return found
    rules = _compiled(language)
    if rules.impersonal is not None:
        for match in rules.impersonal.finditer(text):
            if match.group() == "Man" and not _starts_sentence(text, match.start()):
                continue  # Man, a name in the middle of a sentence
            add("impersonal_man", match.start(), match.end())
    taken: list[tuple[int, int]] = []
    for pattern in rules.passive:
        for match in pattern.finditer(text):
            verb = match.group("verb")
            if verb.lower() in rules.not_passive or verb[:1].isupper():
                continue
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue  # the same passive, found by two patterns
            taken.append((match.start(), match.end()))
            add("passive", match.start(), match.end())
    for start, end in _analysed_passives(text, language, rules.not_passive):
        if not any(start < other_end and other_start < end for other_start, other_end in taken):
            taken.append((start, end))
            add("passive", start, end)
    if rules.official is not None:
        for match in rules.official.finditer(text):
            add("official_word", match.start(), match.end(), rules.plainer[_alternative(match)])
    for kind, either in (
        ("vague_time", rules.vague_time),
        ("interpretation", rules.interpretation),
    ):
        if either is not None:
            for match in either.finditer(text):
                add(kind, match.start(), match.end())
    found.sort(key=lambda hint: (hint.start, KINDS.index(hint.kind)))
    return found


# --- the per-person switch -------------------------------------------------------------------


def _key(staff_id: int) -> str:
    return f"writing_hints_off:{staff_id}"


def hints_enabled(store: Store, by: StaffRef) -> bool:
    """Whether the acting person sees writing hints (on unless they switched them off)."""
    with store.session() as session:
        staff = access.acting(session, by)
        if staff is None:
            return True  # the command line writes no entries
        return session.get(Setting, _key(stored_id(staff))) is None


def set_hints_enabled(store: Store, by: StaffRef, enabled: bool) -> bool:
    """Switch the writing hints on or off for the acting person only; returns the new state."""
    with store.session(write=True) as session:
        staff = access.acting(session, by)
        if staff is None:
            raise NotAllowed(
                _(
                    "The command line has no account of its own: writing hints are "
                    "switched on or off by each person in the app."
                )
            )
        key = _key(stored_id(staff))
        row = session.get(Setting, key)
        if enabled and row is not None:
            session.delete(row)
        elif not enabled and row is None:
            session.add(Setting(key=key, value="1"))
    return enabled
