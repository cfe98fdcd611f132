"""The four levels of concern as every screen shows them: number, colour and words.

The colour always comes with the number and the words, never alone (colour-blind users,
monochrome terminals). The words follow the installation's profile (DESIGN.md §1).
"""

from __future__ import annotations

from rich.text import Text

from relaytui.i18n import N_, _

#: The short name of each level, per profile.
LEVEL_NAMES = {
    "dk": (N_("wonder and attention"), N_("concern"), N_("great concern"), N_("strong concern")),
    "no": (N_("clarify"), N_("effort within one service"), N_("simple collaboration"),
           N_("extensive collaboration")),
}
#: What each level asks of the holder, per profile.
LEVEL_MEANINGS = {
    "dk": (
        N_("wonder and attention: analyse the concern"),
        N_("concern: dialogue meeting, local effort"),
        N_("great concern: cross-disciplinary effort"),
        N_("strong concern: notification meeting with the family department"),
    ),
    "no": (
        N_("clarify whether there is a concern"),
        N_("effort within one service"),
        N_("simple collaboration, usually two services"),
        N_("extensive collaboration across several services"),
    ),
}
#: A colour per level, distinct in a 256-colour terminal.
LEVEL_COLOURS = ("green", "yellow1", "dark_orange3", "red")


def _pick(table: dict[str, tuple[str, ...]], profile: str, level: int) -> str:
    words = table.get(profile, table["dk"])
    return _(words[level]) if 0 <= level < len(words) else ""


def level_name(profile: str, level: int) -> str:
    """"great concern"."""
    return _pick(LEVEL_NAMES, profile, level)


def level_meaning(profile: str, level: int) -> str:
    """"great concern: cross-disciplinary effort"."""
    return _pick(LEVEL_MEANINGS, profile, level)


def level_badge(level: int) -> Text:
    """The level as number on its colour: " 2 " on orange."""
    colour = LEVEL_COLOURS[level] if 0 <= level < len(LEVEL_COLOURS) else "grey50"
    return Text(f" {level} ", style=f"bold black on {colour}")


def level_in_sentence(level: int) -> Text:
    """The level's number on its colour inside a sentence: "at level 2." reads as such without
    colour too (the badge's padding made it "level  2 .")."""
    colour = LEVEL_COLOURS[level] if 0 <= level < len(LEVEL_COLOURS) else "grey50"
    return Text(str(level), style=f"bold black on {colour}")


def level_text(profile: str, level: int) -> str:
    """"Level 2 · great concern": the number and the name."""
    name = level_name(profile, level)
    if not name:
        return _("Level {level}").format(level=level)
    return _("Level {level} · {word}").format(level=level, word=name)
