"""The keys screen (F1 or ?): what each key does on the screen you came from, and everywhere.

It reads the keys the screen itself offers at that moment (its active bindings, with their
descriptions in the user's language), so it never disagrees with the footer.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from relaytui.i18n import N_, _
from relaytui.ui.base import RelayModalScreen, described_bindings
from relaytui.widgets.footer import KeyFooter


@dataclass(frozen=True)
class KeyLine:
    """One line of the keys screen: "F1, ?" and "Keys"."""

    keys: str
    description: str
    tooltip: str
    everywhere: bool


def key_lines(app: App, screen: Screen) -> list[KeyLine]:
    """The keys ``screen`` answers now, one line per action, the screen's own first."""
    grouped: dict[tuple[int, str], list] = {}
    order: list[tuple[int, str]] = []
    for active in described_bindings(screen).values():
        binding = active.binding
        # Textual's own keys of a widget (scrolling, copying) carry no id; ours all do.
        if binding.system or not binding.description or not binding.id:
            continue
        slot = (id(active.node), binding.action)
        if slot not in grouped:
            grouped[slot] = []
            order.append(slot)
        grouped[slot].append(active)
    lines = []
    for slot in order:
        actives = grouped[slot]
        first = actives[0]
        keys = ", ".join(dict.fromkeys(app.get_key_display(a.binding) for a in actives))
        lines.append(
            KeyLine(
                keys=keys,
                description=first.binding.description,
                tooltip=first.binding.tooltip,
                everywhere=first.node is app,
            )
        )
    return sorted(lines, key=lambda line: line.everywhere)


def _table(lines: list[KeyLine]) -> Table:
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
    table.add_column(no_wrap=True, style="bold", min_width=8)
    table.add_column(ratio=1)
    for line in lines:
        text = Text(line.description)
        if line.tooltip and line.tooltip != line.description:
            text.append(" — " + line.tooltip, style="dim")
        table.add_row(Text(line.keys), text)
    return table


class KeysScreen(RelayModalScreen[None]):
    """The keys of the screen below; Escape (or F1) closes it."""

    BINDINGS = [
        Binding(
            "escape,f1",
            "close",
            N_("Close"),
            id="keys.close",
            tooltip=N_("Close the list of keys."),
        ),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__(id="keys-screen")
        self.lines = key_lines(screen.app, screen)

    def compose(self) -> ComposeResult:
        here = [line for line in self.lines if not line.everywhere]
        everywhere = [line for line in self.lines if line.everywhere]
        with Vertical(id="keys-box"):
            yield Static(_("Keys"), id="keys-title", markup=False)
            with VerticalScroll(id="keys-body"):
                yield Static(_("On this screen"), classes="keys-heading", markup=False)
                if here:
                    yield Static(_table(here), id="keys-here")
                else:
                    yield Static(
                        _("This screen has no keys of its own."), id="keys-here", markup=False
                    )
                yield Static(_("Everywhere"), classes="keys-heading", markup=False)
                yield Static(_table(everywhere), id="keys-everywhere")
                yield Static(
                    _(
                        "Tab moves to the next field, Shift+Tab back. Ctrl+P finds logs "
                        "by name and every action of the screen."
                    ),
                    classes="keys-hint",
                    markup=False,
                )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#keys-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
