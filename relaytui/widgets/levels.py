"""The four levels of concern as every screen shows them: number, colour and words.

The colour always comes with the number and the words, never alone (colour-blind users,
monochrome terminals). The words are the profile's (relaytui.profiles, DESIGN.md §1).
"""

from __future__ import annotations

from rich.text import Text

from relaytui.i18n import _
from relaytui.profiles import Profile

#: A colour per level, distinct in a 256-colour terminal.
LEVEL_COLOURS = ("green", "yellow1", "dark_orange3", "red")


def level_badge(level: int) -> Text:
    """The level as number on its colour: " 2 " on orange."""
    colour = LEVEL_COLOURS[level] if 0 <= level < len(LEVEL_COLOURS) else "grey50"
    return Text(f" {level} ", style=f"bold black on {colour}")


def level_in_sentence(level: int) -> Text:
    """The level's number on its colour inside a sentence: "at level 2." reads as such without
    colour too (the badge's padding made it "level  2 .")."""
    colour = LEVEL_COLOURS[level] if 0 <= level < len(LEVEL_COLOURS) else "grey50"
    return Text(str(level), style=f"bold black on {colour}")


def level_text(country: Profile, level: int) -> str:
    """ "Level 2 · great concern": the number and the name."""
    name = country.level_name(level)
    if not name:
        return _("Level {level}").format(level=level)
    return _("Level {level} · {word}").format(level=level, word=name)
