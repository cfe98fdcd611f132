"""``python -m benchmarks.writing_hints [--repeat N]``: how well the writing hints (R16) find
passives and interpretations, and what they cost per sentence.

The corpus is ``tests/data/writing_corpus.toml``: sentences in Danish, bokmål and nynorsk, each
labelled with the hints it should get. A sentence counts as found for a kind when ``hints()``
gives it at least one hint of that kind. Precision: of the sentences that got the hint, how many
should have; recall: of the sentences that should have got it, how many did. The cost is the
median time of ``hints()`` on one sentence once the word lists (and dictionaries) are loaded;
the load itself is timed once per language.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "writing_corpus.toml"
LANGUAGES = ("da", "nb", "nn")
#: The hint kinds the corpus labels.
MEASURED = ("passive", "interpretation")


def load_corpus(path: Path = CORPUS) -> dict[str, list[tuple[str, frozenset[str]]]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        language: [(row["text"], frozenset(row["hints"])) for row in data[language]]
        for language in LANGUAGES
    }


@dataclass(frozen=True)
class Score:
    language: str
    kind: str
    true_positive: int
    false_positive: int
    false_negative: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


def misses(hints: Callable[[str, str], list], corpus=None) -> list[tuple[str, str, str, str]]:
    """(language, kind, "missed" or "false", sentence) for every sentence the hints get wrong."""
    corpus = corpus or load_corpus()
    wrong = []
    for language, rows in corpus.items():
        for text, wanted in rows:
            got = {hint.kind for hint in hints(text, language)}
            for kind in MEASURED:
                if kind in wanted and kind not in got:
                    wrong.append((language, kind, "missed", text))
                elif kind in got and kind not in wanted:
                    wrong.append((language, kind, "false", text))
    return wrong


def score(hints: Callable[[str, str], list], corpus=None) -> dict[tuple[str, str], Score]:
    """Precision and recall of ``hints`` per language and kind on the corpus."""
    corpus = corpus or load_corpus()
    scores = {}
    for language, rows in corpus.items():
        got = [{hint.kind for hint in hints(text, language)} for text, _wanted in rows]
        for kind in MEASURED:
            pairs = [
                (kind in wanted, kind in found)
                for (_text, wanted), found in zip(rows, got, strict=True)
            ]
            scores[language, kind] = Score(
                language,
                kind,
                true_positive=sum(1 for w, f in pairs if w and f),
                false_positive=sum(1 for w, f in pairs if f and not w),
                false_negative=sum(1 for w, f in pairs if w and not f),
            )
    return scores


def cost(
    hints: Callable[[str, str], list], corpus=None, repeat: int = 5
) -> dict[str, tuple[float, float, float]]:
    """Per language: (milliseconds of the first call, which loads what it needs; median
    microseconds per sentence on the first pass over the corpus, where most words are new; the
    same on the later passes, where the words' analyses are remembered)."""
    corpus = corpus or load_corpus()
    figures = {}
    for language, rows in corpus.items():
        started = time.perf_counter()
        hints(rows[0][0], language)
        first_ms = (time.perf_counter() - started) * 1000
        passes = []
        for _n in range(1 + repeat):
            times = []
            for text, _wanted in rows:
                started = time.perf_counter()
                hints(text, language)
                times.append((time.perf_counter() - started) * 1e6)
            passes.append(times)
        later = [t for times in passes[1:] for t in times]
        figures[language] = (first_ms, statistics.median(passes[0]), statistics.median(later))
    return figures


#: 2,000 characters of the writing the hints flag most: a pattern that backtracks shows here.
LONG_TEXT = (
    "Man undersøger om barnet forefindes i klassen. Der ringes senere til mor, og det "
    "undersøges om Ida provokerer. " * 20
)[:2000]


def long_text_cost(hints: Callable[[str, str], list], repeat: int = 5) -> dict[str, float]:
    """Per language (and English, which has no hints): median milliseconds of ``hints()`` on
    LONG_TEXT, once the word lists are loaded. The event loop waits this long per look."""
    figures = {}
    for language in (*LANGUAGES, "en"):
        hints(LONG_TEXT, language)
        times = []
        for _n in range(repeat):
            started = time.perf_counter()
            hints(LONG_TEXT, language)
            times.append((time.perf_counter() - started) * 1000)
        figures[language] = statistics.median(times)
    return figures


def table(
    scores: dict[tuple[str, str], Score],
    costs: dict[str, tuple[float, float, float]] | None = None,
    corpus=None,
) -> str:
    corpus = corpus or load_corpus()
    lines = [
        "| language | sentences | kind | precision | recall | found right / wrong / missed |"
        + (" first call | per sentence, new words / again |" if costs else ""),
        "|---|---|---|---|---|---|" + ("---|---|" if costs else ""),
    ]
    for (language, kind), s in scores.items():
        line = (
            f"| {language} | {len(corpus[language])} | {kind} | {s.precision:.2f} | {s.recall:.2f} "
            f"| {s.true_positive} / {s.false_positive} / {s.false_negative} |"
        )
        if costs:
            first_ms, new_us, again_us = costs[language]
            line += f" {first_ms:.0f} ms | {new_us:.0f} / {again_us:.0f} µs |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.writing_hints", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs over the corpus for the cost (median)"
    )
    parser.add_argument(
        "--misses", action="store_true", help="also list the sentences the hints get wrong"
    )
    args = parser.parse_args(argv)

    from relaytui.services import writing

    corpus = load_corpus()
    costs = cost(writing.hints, corpus, args.repeat)  # first, so the first call is a cold one
    print(f"analysis: {writing.analysis_in_use()}")
    print(table(score(writing.hints, corpus), costs, corpus))
    long = long_text_cost(writing.hints, args.repeat)
    print(
        "2,000 characters: " + ", ".join(f"{language} {ms:.1f} ms" for language, ms in long.items())
    )
    if args.misses:
        for language, kind, how, text in misses(writing.hints, corpus):
            print(f"{language} {kind:<14} {how:<6} {text}")


if __name__ == "__main__":
    main()
