"""Plain-language hints while the holder writes (R16).

Guide 001 asks for short sentences, active verbs, who does what instead of "man", precise times,
plain words, and what was seen rather than what it is thought to mean. ``hints()`` points at the
places in a text that go against that advice, in the text's language; it is pure and fast, so a
screen may call it on every pause in typing. A hint is advice only: nothing here ever refuses
a text. Each person may switch the hints off for themselves (a setting of their own).

The word lists are one table per language below; patterns are regular expressions matched
case-insensitively on word boundaries (Unicode-aware, so æ, ø and å are letters). Passives are
also found through the system's Hunspell dictionaries (see "the words' forms" below), which tell
an s-passive ("Sagen behandles") from a verb or noun that merely ends in -s. How well the hints
do is measured on tests/data/writing_corpus.toml (``python -m benchmarks.writing_hints``).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

from relaytui.db import Store
from relaytui.errors import NotAllowed
from relaytui.i18n import N_, _
from relaytui.models import Setting
from relaytui.profiles import profile_of
from relaytui.services import access
from relaytui.services.access import StaffRef

#: A sentence with more words than this gets a hint.
LONGEST_SENTENCE = 25
#: The languages with word tables; any other language gets only the sentence-length hint.
LANGUAGES = ("da", "nn", "nb", "en")
KINDS = ("long_sentence", "impersonal_man", "passive", "official_word", "vague_time", "interpretation")

#: Why each kind of hint is given (translated where it is shown).
WHY = {
    "long_sentence": N_("{count} words in one sentence. Short sentences are easier to read: split it "
                        "(at most {limit} words)."),
    "impersonal_man": N_('Say who instead of "{words}": a name, a job title, mother, grandfather.'),
    "passive": N_('Passive form: say who does it, e.g. "the doctor examines" rather than '
                  '"it is examined".'),
    "official_word": N_("Official word: an everyday word is easier to read."),
    "vague_time": N_("Vague time: give the day, the date or the time."),
    "interpretation": N_("Interpretation: write what the child did and said, not why you think "
                         "they did it."),
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


# --- the word tables, one per language -------------------------------------------------------
# "passive" patterns name the verb form in a group ``verb``; a verb in "not_passive" (verbs that
# end in -s without being passive, adjectives that look like participles) is left alone, and so
# is a capitalised one (a name such as Agnes).

_DA_MODALS = r"(?:skal|kan|må|bør|vil|skulle|kunne|måtte|burde)"
_DA_ADVERB = (r"(?:(?:ikke|også|altid|nu|først|gerne|derfor|derefter|straks|fortsat|stadig|nok|formentlig"
               r"|muligvis|sikkert)\s+)?")
DANISH = {
    "impersonal": [r"man"],
    "passive": [
        r"(?:der|det)\s+(?P<verb>\w{3,}es)",                       # der ringes, det undersøges
        _DA_MODALS + r"\s+" + _DA_ADVERB + r"(?P<verb>\w{3,}es)",  # skal vurderes
        r"(?:blev|bliver|blive|blevet)\s+" + _DA_ADVERB            # blev undersøgt
        + r"(?P<verb>\w{3,}et|undersøgt|sendt|set|gjort|sagt|aftalt|indkaldt|talt|fulgt|bragt|spurgt"
          r"|kaldt|henvist|valgt|glemt|mødt|hørt|lært|betalt|bedt|kørt|anbragt|afvist|tilbudt|vist"
          r"|brugt|besøgt|skældt|drøftet)",
    ],
    "not_passive": {
        # deponent verbs (active meaning) and -es words that are no verbs
        "synes", "lykkes", "mislykkes", "findes", "forefindes", "trives", "mødes", "ses", "enes",
        "skændes", "slås", "længes", "færdes", "kedes", "undres", "mindes", "behøves", "omgås",
        "agnes", "hannes", "ines", "moses",
        # -et words after blive that are states, not acts with a hidden doer
        "meget", "let", "slet", "ret", "net", "bekymret", "forskrækket", "forvirret", "irriteret",
        "skuffet", "frustreret", "overrasket", "interesseret", "rystet", "ophidset", "forelsket",
        "forkølet", "stresset", "engageret", "motiveret", "koncentreret", "sulten",
    },
    "official": {
        r"forefind(?:es|er|e)|forefandtes": "er / findes",
        r"foranlediget": "fordi / på grund af",
        r"endvidere": "også",
        r"således": "sådan / så",
        r"påhvil(?:er|ede|e)": "har ansvaret for",
        r"i henhold til|iht\.": "efter",
        r"vedrørende|vedr\.": "om",
        r"jf\.|jævnfør": "se",
        r"såfremt": "hvis",
        r"hvorvidt": "om",
        r"eftersom": "fordi",
        r"pågældende": "navnet, eller mor, far, læreren",
        r"fremsend(?:e|er|es|te|t)": "sende",
        r"iværksæt(?:te|ter|tes|tede|tet)": "sætte i gang / begynde",
        r"foretag(?:e|er|es|et)|foretog": "gøre / lave",
        r"anmod(?:e|er|es|ede|et)": "bede",
        r"desuagtet": "alligevel",
        r"fornøden|fornødne": "nødvendig",
        r"samt": "og",
        r"bistand": "hjælp",
        r"med henblik på": "for at",
        r"i forbindelse med": "ved / når",
        r"herefter": "så / bagefter",
        r"medio": "midt i",
        r"ultimo": "sidst i",
        r"primo": "først i",
    },
    "vague_time": [
        r"snart", r"senere", r"på et tidspunkt", r"inden længe", r"på sigt", r"hurtigst muligt",
        r"snarest(?: muligt)?", r"i nærmeste fremtid", r"efterhånden", r"om lidt", r"løbende",
        r"om et stykke tid", r"en af dagene",
    ],
    "interpretation": [
        r"virker (?:til at|som om)", r"ser ud til at", r"synes at", r"syntes at", r"vil bare",
        r"bare vil", r"gør det for at", r"gjorde det for at", r"med vilje", r"provoker\w*",
        r"manipuler\w*", r"opmærksomhedssøgende", r"søger opmærksomhed", r"for at få opmærksomhed",
        # guesses about feelings and causes: "Ida er nok træt", "fordi hun nok savner"
        r"nok(?!\s+(?:af|til|mad|tid|penge|søvn|plads)(?!\w))(?!\s*[.!?])(?<!godt\snok)(?<!længe\snok)",
        r"virke(?:r|de)(?!\s+(?:godt|fint|efter|på|ikke\s*[.!?]))(?!\s*[.!?])",
        r"formentlig", r"formodentlig", r"tilsyneladende", r"sandsynligvis", r"antagelig(?:vis)?",
        r"muligvis", r"sikkert(?!\s+hjem)", r"(?<!har\s)(?<!havde\s)(?<!blev\s)(?<!blevet\s)vist",
    ],
}

_NO_MODALS = r"(?:skal|kan|må|bør|vil|skulle|kunne|måtte|burde)"
_NN_ADVERB = (r"(?:(?:ikkje|òg|også|alltid|no|først|gjerne|difor|deretter|straks|framleis|nok|truleg"
               r"|moglegvis|sikkert)\s+)?")
NYNORSK = {
    "impersonal": [r"man", r"ein(?=\s+" + _NO_MODALS + r"(?!\w))"],   # ein kan logge inn
    "passive": [
        r"(?:vert|verte|vart|vorte|blir|bli|blei|blitt)\s+" + _NN_ADVERB  # det vert undersøkt
        + r"(?P<verb>\w{3,}ert[e]?|\w{3,}a|undersøkt|sendt|sett|gjort|sagt|avtalt|ringt|fylgt|følgt"
          r"|spurt|valt|møtt|høyrt|lært|betalt|bedd|køyrt|avvist|tilbode|vist|brukt|besøkt|slått"
          r"|teke|teken|tatt|gjeve|gjeven|gitt|skriven|skrive|funnen|gjennomførte?|utarbeidd|tilsett)",
        r"(?:det|der)\s+(?P<verb>\w{3,}ast)",                               # det undersøkjast
        _NO_MODALS + r"\s+" + _NN_ADVERB + r"(?P<verb>\w{3,}a?st)",         # skal vurderast
        r"(?<!\bvere\s)(?<!\ber\s)(?<!\bvar\s)(?P<verb>\w{6,}ast)",         # loggen utarbeidast
    ],
    "not_passive": {
        # deponent verbs (active meaning), superlatives and nouns ending in -ast
        "synast", "synest", "trivast", "møtast", "lukkast", "mislukkast", "minnast", "finnast", "finst",
        "kjennast", "skiljast", "slåst", "følgjast", "eldast", "lengtast", "samlast", "forefinnast",
        "snarast", "helst", "fast", "minst", "mest", "sist", "oftast", "lengst", "best", "verst",
        "kontrast", "gymnast", "fantast", "podkast", "entusiast", "overlast",
        # -a and -ert words after bli/verte that are states, not acts with a hidden doer
        "bra", "sinna", "stressa", "uroa", "skuffa", "overraska", "bekymra", "forelska", "forvirra",
        "irritert", "frustrert", "interessert", "engasjert", "motivert", "fokusert", "konsentrert",
        "sjokkert", "deprimert", "mamma", "pappa", "tema", "sint", "glad",
    },
    "official": {
        r"forefinn(?:ast|e|ne)|forefinst|føreligg(?:jande)?": "finst / er",
        r"i henhold til|iht\.": "etter",
        r"vedrørande|vedrørende|vedr\.": "om",
        r"påkvil(?:er|ar)|påhvil(?:er|ar)|påligg(?:jande)?": "har ansvaret for",
        r"såleis|således": "slik",
        r"endvidare|endvidere": "òg",
        r"foranledig(?:a|et)": "fordi",
        r"såframt|såfremt": "viss",
        r"kvarvidt|hvorvidt": "om",
        r"jf\.|jamfør": "sjå",
        r"pågjeldande|vedkomande": "namnet, eller mor, far, læraren",
        r"iverksetj(?:e|ast)|iverkset(?:t|te)?|iverksett(?:e|ast)?": "setje i gang / starte",
        r"føreta(?:k|ke|kast)?|foreta(?:r|st)?": "gjere",
        r"framsend(?:e|er|ast|t)|oversend(?:e|er|ast|t)": "sende",
        r"anmod(?:e|ar|er|ast|a)": "be",
        r"bistand": "hjelp",
        r"fornøden|fornødne": "naudsynt",
        r"samt": "og",
        r"med sikte på|med henblikk på": "for å",
        r"herunder": "mellom anna",
        r"medio": "midt i",
        r"ultimo": "sist i",
        r"primo": "først i",
    },
    "vague_time": [
        r"snart", r"seinare", r"etter kvart", r"etterkvart", r"på eit tidspunkt", r"om ikkje lenge",
        r"snarast(?: råd| mogleg)?", r"med tida", r"i nær framtid", r"fortløpande", r"om ei stund",
        r"ein av dagane",
    ],
    "interpretation": [
        r"verkar (?:til å|som om)", r"ser ut til å", r"vil berre", r"berre vil", r"gjer det for å",
        r"gjorde det for å", r"med vilje", r"provoser\w*", r"manipuler\w*", r"merksemdsøkjande",
        r"oppmerksemdsøkjande", r"oppmerksomheitssøkjande", r"oppmerksomhetssøkende",
        r"søkjer merksemd", r"for å få merksemd",
        r"nok(?!\s+(?:av|til|mat|tid|pengar|søvn|plass)(?!\w))(?!\s*[.!?])(?<!godt\snok)(?<!lenge\snok)",
        r"(?:verk|virk)(?:ar|a)(?!\s+(?:godt|fint|etter|på|ikkje\s*[.!?]))(?!\s*[.!?])",
        r"truleg", r"sannsynlegvis", r"antakeleg(?:vis)?", r"tilsynelatande", r"moglegvis",
        r"mogelegvis", r"formodentleg", r"sikkert(?!\s+heim)", r"(?<!har\s)(?<!hadde\s)(?<!ikkje\s)visst",
    ],
}

_NB_ADVERB = (r"(?:(?:ikke|også|alltid|nå|først|gjerne|derfor|deretter|straks|fortsatt|stadig|nok|trolig"
               r"|muligens|sikkert)\s+)?")
BOKMAL = {
    "impersonal": [r"man", r"en(?=\s+" + _NO_MODALS + r"(?!\w))"],
    "passive": [
        r"(?:der|det)\s+(?P<verb>\w{3,}es)",                        # det undersøkes
        _NO_MODALS + r"\s+" + _NB_ADVERB + r"(?P<verb>\w{3,}es)",   # skal vurderes
        r"(?:blir|bli|ble|blitt)\s+" + _NB_ADVERB                  # blir undersøkt
        + r"(?P<verb>\w{3,}et|\w{3,}ert|undersøkt|sendt|sett|gjort|sagt|avtalt|ringt|fulgt|spurt|valgt"
          r"|møtt|hørt|lært|betalt|bedt|kjørt|avvist|tilbudt|vist|brukt|besøkt|slått|tatt|gitt|innkalt"
          r"|kalt|gjennomført|henvist|glemt)",
    ],
    "not_passive": {
        "synes", "trives", "møtes", "lykkes", "mislykkes", "finnes", "forefinnes", "minnes", "kjennes",
        "skilles", "slåss", "følges", "eldes", "lenges", "sees", "ses", "agnes", "hannes", "ines", "moses",
        "meget", "bekymret", "forvirret", "skuffet", "overrasket", "frustrert", "irritert", "interessert",
        "stresset", "engasjert", "motivert", "fokusert", "konsentrert", "forelsket", "forkjølet",
        "sjokkert", "deprimert", "opprørt", "sint", "glad",
    },
    "official": {
        r"forefinn(?:es|er|e)|forefantes": "finnes / er",
        r"i henhold til|iht\.": "etter",
        r"vedrørende|vedr\.": "om",
        r"påhvil(?:er|te|e)|påligg(?:er|ende)": "har ansvaret for",
        r"således": "slik",
        r"endvidere": "også",
        r"foranlediget": "fordi",
        r"såfremt": "hvis",
        r"hvorvidt": "om",
        r"jf\.|jamfør": "se",
        r"pågjeldende|vedkommende": "navnet, eller mor, far, læreren",
        r"iverksett(?:e|er|es)?|iverksatt": "sette i gang / starte",
        r"foreta(?:r|s)?|foretok|foretatt": "gjøre",
        r"fremsend(?:e|er|es|t)|oversend(?:e|er|es|t)": "sende",
        r"anmod(?:e|er|es|et)": "be",
        r"bistand": "hjelp",
        r"fornøden|fornødne": "nødvendig",
        r"samt": "og",
        r"med henblikk på|med sikte på": "for å",
        r"herunder": "blant annet",
        r"medio": "midt i",
        r"ultimo": "sist i",
        r"primo": "først i",
    },
    "vague_time": [
        r"snart", r"senere", r"etter hvert", r"etterhvert", r"på et tidspunkt", r"om ikke lenge",
        r"snarest(?: mulig)?", r"med tiden", r"i nær fremtid", r"fortløpende", r"om en stund",
        r"en av dagene",
    ],
    "interpretation": [
        r"virker (?:til å|som om)", r"ser ut til å", r"vil bare", r"bare vil", r"gjør det for å",
        r"gjorde det for å", r"med vilje", r"provoser\w*", r"manipuler\w*", r"oppmerksomhetssøkende",
        r"søker oppmerksomhet", r"for å få oppmerksomhet",
        r"nok(?!\s+(?:av|til|mat|tid|penger|søvn|plass)(?!\w))(?!\s*[.!?])(?<!godt\snok)(?<!lenge\snok)",
        r"virke(?:r|t)(?!\s+(?:godt|fint|etter|på|ikke\s*[.!?]))(?!\s*[.!?])",
        r"trolig", r"sannsynligvis", r"antakelig(?:vis)?", r"antagelig(?:vis)?", r"tilsynelatende",
        r"muligens", r"formodentlig", r"sikkert(?!\s+hjem)", r"(?<!har\s)(?<!hadde\s)(?<!ikke\s)visst",
    ],
}

ENGLISH = {
    "impersonal": [],
    "passive": [],
    "not_passive": set(),
    "official": {
        r"in accordance with": "under / by",
        r"regarding": "about",
        r"commence[ds]?": "start",
        r"utili[sz]e[ds]?": "use",
        r"prior to": "before",
        r"subsequent to": "after",
        r"pursuant to": "under",
        r"endeavou?r(?:s|ed)?": "try",
        r"in order to": "to",
        r"aforementioned": "this / that",
    },
    "vague_time": [r"soon", r"later", r"at some point", r"in due course", r"shortly", r"eventually",
                   r"before long"],
    "interpretation": [r"seems to", r"just wants to", r"does it to", r"did it to", r"on purpose",
                       r"manipulat\w*", r"provok\w*", r"provocative", r"attention(?:-| )seeking"],
}

TABLES = {"da": DANISH, "nn": NYNORSK, "nb": BOKMAL, "en": ENGLISH}


# --- the words' forms, from the system's spelling dictionaries -----------------------------------
# A regular expression cannot tell "Sagen behandles" (passive) from "Ida trives" (a verb that
# ends in -s and is no passive) or "Barnets" (a genitive). Hunspell's dictionaries can: Debian's
# hunspell-da tags each word form it derives (+PASSIV, +PERF_PART) and lists deponent verbs such
# as "synes", "lykkes", "mødes" as words of their own; hunspell-no (bokmål and nynorsk) names
# the stem and the suffix class of each form, and each verb has a present participle to show it is
# one. The dictionaries are read through the chunspell binding, once per language, on first use
# (about half a second; the hints panel loads them in a worker). Without the binding or the
# dictionary, Danish falls back on the lemmy lemmatizer (its rules ship in the package), and
# every language keeps the patterns of the tables above.

#: Where Debian's hunspell-da and hunspell-no put their dictionaries.
DICTIONARY_FOLDERS = ("/usr/share/hunspell", "/usr/share/myspell/dicts", "/usr/share/myspell")
_DICTIONARY_NAMES = {"da": "da_DK", "nb": "nb_NO", "nn": "nn_NO"}
#: The forms of "blive" / "bli" / "verte" that make a passive with a past participle after them.
_AUXILIARIES = {
    "da": {"blive", "bliver", "blev", "blevet", "blevne"},
    "nb": {"bli", "blir", "ble", "blei", "blitt"},
    "nn": {"bli", "blir", "blei", "blitt", "verte", "vert", "vart", "vorte", "vorten", "vortne"},
}
#: Endings a past participle may have after the auxiliary (nynorsk: henta, skrive, skriven, gjevne).
_PARTICIPLE_ENDINGS = {"da": ("t",), "nb": ("t", "d"), "nn": ("t", "d", "a", "e", "en", "ne")}
#: Suffix classes of hunspell-no that make no past participle (imperative, -s, -ast, -ande).
_NOT_PARTICIPLE_CLASSES = {"fl:R", "fl:J", "fl:K", "fl:S"}
#: Words that may stand between the auxiliary and the participle (Ida blev ikke undersøgt).
_BETWEEN = {
    "da": {"ikke", "også", "aldrig", "altid", "nu", "først", "gerne", "derfor", "derefter", "straks",
           "fortsat", "stadig", "nok", "formentlig", "måske", "muligvis", "sikkert", "vist", "igen",
           "ofte", "tit", "senere", "så", "allerede", "heller", "meget", "grundigt", "hurtigt"},
    "nb": {"ikke", "også", "aldri", "alltid", "nå", "først", "gjerne", "derfor", "deretter", "straks",
           "fortsatt", "stadig", "nok", "trolig", "kanskje", "muligens", "sikkert", "visst", "igjen",
           "ofte", "senere", "så", "allerede", "heller", "mye", "grundig", "raskt"},
    "nn": {"ikkje", "òg", "også", "aldri", "alltid", "no", "først", "gjerne", "difor", "deretter",
           "straks", "framleis", "stadig", "nok", "truleg", "kanskje", "moglegvis", "sikkert", "visst",
           "igjen", "ofte", "seinare", "så", "allereie", "heller", "berre", "mykje", "grundig", "raskt"},
}
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
            name = _DICTIONARY_NAMES.get(language)
            try:
                from hunspell import Hunspell
            except ImportError:
                Hunspell = None
            for folder in DICTIONARY_FOLDERS if name and Hunspell else ():
                if os.path.isfile(os.path.join(folder, f"{name}.dic")) and os.path.isfile(
                        os.path.join(folder, f"{name}.aff")):
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
    for language, name in _DICTIONARY_NAMES.items():
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
    for line in speller.analyze(word):  # type: ignore[attr-defined]
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
        if not word.endswith("s") or any(stem.lower() == word and "+" not in rest for stem, rest in analyses):
            return False  # a word of its own: a deponent (synes, mødes) or a name (Agnes)
        return any("+PASSIV" in rest or (rest == "" and word == stem + "s" and _is_verb(language, stem))
                   for stem, rest in analyses)
    if language == "nb":
        return word.endswith("s") and any(
            rest == "fl:J" and word == stem + "s" and _is_verb(language, stem) for stem, rest in analyses)
    # nynorsk: every way to read the word is the -ast passive of a verb (not sterkast, oftast, synast)
    return word.endswith("ast") and bool(analyses) and all(
        rest == "fl:K" and _is_verb(language, stem) for stem, rest in analyses)


@lru_cache(maxsize=4096)
def _lemmy_s_passive(word: str) -> bool:
    lemmatizer = _lemmatizer("da")
    if lemmatizer is None or not word.endswith("s") or len(word) < 5:
        return False
    lemmas = lemmatizer.lemmatize("", word)  # type: ignore[attr-defined]
    return word not in lemmas and word[:-1] in lemmas and word[-2] in "aeiouyæøå" and (
        word[:-1] in lemmatizer.lemmatize("VERB", word))  # type: ignore[attr-defined]


def _is_participle(language: str, word: str, not_passive: frozenset[str]) -> bool:
    """Whether ``word`` (lower case), after a form of blive / bli / verte, is a past participle."""
    if word in not_passive or not word.endswith(_PARTICIPLE_ENDINGS[language]):
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


def _analysed_passives(text: str, language: str, not_passive: frozenset[str]) -> list[tuple[int, int]]:
    """Where the dictionary finds passives in ``text``: an s-passive anywhere in a clause, and a
    form of blive / bli / verte with a past participle up to two words after it."""
    if language not in _AUXILIARIES or (_speller(language) is None and _lemmatizer(language) is None):
        return []
    found: list[tuple[int, int]] = []
    tokens = list(_TOKEN.finditer(text))
    for n, token in enumerate(tokens):
        word = token.group()
        if not word[0].isalpha() or (word[0].isupper() and not _starts_sentence(text, token.start())):
            continue  # a number, a mark, or a name in mid-sentence
        lower = word.lower()
        if lower in _AUXILIARIES[language]:
            for after in tokens[n + 1:n + 4]:
                following = after.group()
                if not following[0].isalpha() or following[0].isupper():
                    break  # the clause ends, or a name follows
                if _is_participle(language, following.lower(), not_passive):
                    found.append((token.start(), after.end()))
                    break
                if following.lower() not in _BETWEEN[language]:
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


def _alternatives(patterns: list[str] | dict[str, str]) -> re.Pattern[str] | None:
    """One pattern for all of ``patterns``; alternative ``n`` is the group ``w{n}``."""
    if not patterns:
        return None
    either = "|".join(f"(?P<w{n}>{p})" for n, p in enumerate(patterns))
    return re.compile(_words_pattern(either), re.IGNORECASE)


@cache
def _compiled(language: str) -> _Compiled:
    table = TABLES[language]
    return _Compiled(
        impersonal=_alternatives(table["impersonal"]),
        passive=tuple(re.compile(_words_pattern(p), re.IGNORECASE) for p in table["passive"]),
        not_passive=frozenset(table["not_passive"]),
        official=_alternatives(table["official"]),
        plainer=tuple(table["official"].values()),
        vague_time=_alternatives(table["vague_time"]),
        interpretation=_alternatives(table["interpretation"]),
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
        found.append(Hint(kind, start, end, words, _(WHY[kind]).format(words=words, **values), plainer))

    for start, end in _sentences(text):
        count = len(_WORD.findall(text, start, end))
        if count > LONGEST_SENTENCE:
            add("long_sentence", start, end, count=count, limit=LONGEST_SENTENCE)
    if language not in TABLES:
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
            add("official_word", match.start(), match.end(), rules.plainer[int(match.lastgroup[1:])])
    for kind, pattern in (("vague_time", rules.vague_time), ("interpretation", rules.interpretation)):
        if pattern is not None:
            for match in pattern.finditer(text):
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
        return session.get(Setting, _key(staff.id)) is None


def set_hints_enabled(store: Store, by: StaffRef, enabled: bool) -> bool:
    """Switch the writing hints on or off for the acting person only; returns the new state."""
    with store.session(write=True) as session:
        staff = access.acting(session, by)
        if staff is None:
            raise NotAllowed(_("The command line has no account of its own: writing hints are "
                               "switched on or off by each person in the app."))
        row = session.get(Setting, _key(staff.id))
        if enabled and row is not None:
            session.delete(row)
        elif not enabled and row is None:
            session.add(Setting(key=_key(staff.id), value="1"))
    return enabled
