"""Papers for the family from the log view (key d): the consent form, the guardians' copy and the
access report, as PDF or plain text, saved in the user's documents folder.

Only the holder of an open log makes papers (relaytui.services.papers says why); a reader who
presses the key is told why instead of being shown a dialog that would fail. The minutes of a
meeting are exported from the Meetings tab.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, RadioSet, Static

from relaytui.i18n import N_, _
from relaytui.services import installation, logs
from relaytui.ui.dialogs import LogDialog
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: The papers the dialog offers, in order: the service's kind and what the user reads.
PAPERS = (
    ("consent-form", N_("Consent form, to print and have signed")),
    ("guardian-copy", N_("Copy of the log for the guardians")),
    ("access-report", N_("Access report: who read the log")),
)
FORMATS = (("pdf", N_("PDF, to print or send")), ("text", N_("Plain text")))


def why_no_papers(detail: logs.LogDetail) -> str | None:
    """Why this user cannot make papers from the log, or None when they can."""
    if detail.status == "closed":
        return _(
            "This relay log is closed: no papers are made from it. An administrator can export "
            "the access report."
        )
    if not detail.can_write:
        return _(
            "Papers for the family are made by the holder, {name}: you read this log as an "
            "actor. Ask the holder."
        ).format(name=detail.holder.holder_name)
    return None


def write_paper(store, staff, log_id: int, kind: str, form: str) -> Path:
    """Make the paper (an audited read) and save it, readable by its owner only; runs in a worker."""
    from relaytui import documents
    from relaytui.services import papers

    make = {
        "consent-form": papers.consent_form,
        "guardian-copy": papers.guardian_copy,
        "access-report": papers.access_report,
    }[kind]
    data = documents.render(make(store, staff, log_id), form)
    path = papers.default_path(
        kind, log_id, documents.SUFFIXES[form], installation.read(store).timezone
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return path


class PapersDialog(LogDialog):
    """Choose a paper and a format; ctrl+s saves it and names the file."""

    AUTO_FOCUS = "#papers-kind"
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Save paper"),
            id="papers.save",
            priority=True,
            tooltip=N_("Make the chosen paper and save it in your documents folder."),
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="papers-dialog", classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(
                    self.title_text(_("Papers for the family")),
                    classes="dialog-title",
                    markup=False,
                )
            with VerticalScroll(classes="dialog-body"):
                yield Label(_("Which paper?"), classes="dialog-label", markup=False)
                yield RadioSet(
                    *(
                        MarkedRadioButton(Text(_(words)), value=number == 0, id=f"papers-{kind}")
                        for number, (kind, words) in enumerate(PAPERS)
                    ),
                    id="papers-kind",
                )
                yield Label(_("Format"), classes="dialog-label", markup=False)
                yield RadioSet(
                    *(
                        MarkedRadioButton(
                            Text(_(words)), value=number == 0, id=f"papers-format-{form}"
                        )
                        for number, (form, words) in enumerate(FORMATS)
                    ),
                    id="papers-format",
                )
                yield Static(
                    Text(
                        _(
                            "Making a paper is recorded in the log's audit trail. The file is saved "
                            "in your documents folder, readable by you only."
                        )
                    ),
                    classes="dialog-hint",
                    markup=False,
                )
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Save paper"), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def _chosen(self, selector: str, choices: tuple[tuple[str, str], ...]) -> str:
        index = self.query_one(selector, RadioSet).pressed_index
        return choices[index if index >= 0 else 0][0]

    def read_form(self) -> tuple[str, str]:
        return self._chosen("#papers-kind", PAPERS), self._chosen("#papers-format", FORMATS)

    def write(self, store: Store, staff: StaffRef, values: tuple[str, str]) -> Path:
        kind, form = values
        return write_paper(store, staff, self.detail.id, kind, form)

    def written(self, result: Any) -> None:
        self.notify(_("Paper saved: {path}").format(path=result), markup=False)
        if self.is_current:
            self.dismiss(False)  # the log did not change


def open_papers(screen, detail: logs.LogDetail | None) -> None:
    """The log view's key d: the dialog for the holder, the reason for anyone else."""
    if detail is None:
        return
    reason = why_no_papers(detail)
    if reason is not None:
        screen.notify(reason, severity="warning", markup=False)
        return
    screen.app.push_screen(PapersDialog(detail))
