"""The files of data/: the demo municipalities, the writing hints' word lists, the papers' fonts.

DESIGN.md keeps them at the top of the tree (``data/``), as data files, so that whoever changes a
word or a demo child need not read Python. A built wheel carries the same folder inside the
package, as ``relaytui/data`` (``setup.py`` maps it there). This module is the one place that
knows both: the rest of relaytui asks it for a file and never builds a path of its own.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

#: A file every copy of data/ has: it tells our folder from any other folder named "data".
MARK = "README.md"


def folder() -> Path:
    """data/: inside the installed package (a wheel), else beside it (a checkout, editable or not)."""
    package = Path(str(resources.files("relaytui")))
    candidates = (package / "data", package.parent / "data")
    for candidate in candidates:
        if (candidate / MARK).is_file():
            return candidate
    # An installation without its data is broken, not a user's mistake: say where we looked.
    raise RuntimeError(
        f"relaytui's data folder is missing (looked in {', '.join(map(str, candidates))})"
    )


def path(*parts: str) -> Path:
    """The file or folder ``data/<parts>``."""
    return folder().joinpath(*parts)


def read_toml(*parts: str) -> dict[str, Any]:
    """The TOML file ``data/<parts>``, read afresh (callers keep what they build from it)."""
    with path(*parts).open("rb") as file:
        return tomllib.load(file)


def demo_municipality(name: str) -> dict[str, Any]:
    """``data/demo/<name>.toml``: the people, places and words of one demo municipality."""
    return read_toml("demo", f"{name}.toml")


def writing_words(language: str) -> dict[str, Any]:
    """``data/writing/<language>.toml``: the writing hints' word lists of one language (R16)."""
    return read_toml("writing", f"{language}.toml")


def fonts() -> Path:
    """``data/fonts``: the fonts the papers are set in (DejaVu Sans, with æøå)."""
    return path("fonts")


def every_file() -> list[str]:
    """Every file of data/, as paths relative to it with "/" (what a wheel must carry)."""
    root = folder()
    return sorted(
        file.relative_to(root).as_posix()
        for file in root.rglob("*")
        if file.is_file() and "__pycache__" not in file.parts
    )
