"""Passing a relay log into an individual plan (``no`` profile, R14).

When a child needs long-term, coordinated services, Norwegian municipalities move the work into
an individual plan (individuell plan). A coordinator takes over the holder's role; the log and
all its history come along, so nothing is written twice and nothing is lost. The plan needs the
consent the log already rests on; it is not a closing, and the log stays one active log (R1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Entry, Staff
from relaytui.models.base import stored_id
from relaytui.services import access, clock, consent, handover, installation


@dataclass(frozen=True)
class PlanView:
    log_id: int
    coordinator_id: int
    coordinator_name: str
    started_at: datetime


def pass_to_plan(
    store: Store, by: access.StaffRef, log_id: int, *, coordinator_id: int, reason: str
) -> PlanView:
    """The holder passes the log into an individual plan; the coordinator holds it from now."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the log passes into an individual plan."), rule="R14")
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="individual plan")
        if not installation.read_in(session).country.individual_plan:
            raise RuleViolation(
                _(
                    "An individual plan belongs to the Norwegian profile; in Denmark the "
                    "log goes on, or is handed over."
                ),
                rule="R14",
            )
        if log.status == "plan":
            raise RuleViolation(_("This log is already part of an individual plan."), rule="R14")
        if not consent.log_consent_in_force(session, log):
            raise RuleViolation(
                _(
                    "An individual plan needs the consent the log rests on. Record a "
                    "consent that is in force first."
                ),
                rule="R14",
            )
        coordinator = session.get(Staff, coordinator_id)
        if coordinator is None or not coordinator.active or coordinator.locked:
            raise NotFound(_("There is no active member of staff with that number."))
        if coordinator.role == "admin":
            raise RuleViolation(
                _("An administrator cannot coordinate an individual plan."), rule="R14"
            )
        now = clock.now()
        # A handover proposed before is withdrawn: the coordinator holds the log from now,
        # and nobody may take it from them by accepting an old proposal.
        handover.withdraw_pending(session, log, now)
        if coordinator.id != log.holder_id:
            handover.take_over(session, log, coordinator, now)
        log.status = "plan"
        log.plan_coordinator_id = coordinator.id
        session.add(log)
        session.flush()
        # The passing is part of the log's own story: an entry that never changes (R7).
        session.add(
            Entry(
                log_id=stored_id(log),
                author_id=stored_id(staff),
                written_at=now,
                kind="note",
                text=_("Passed into an individual plan. Coordinator: {name}. Why: {reason}").format(
                    name=coordinator.full_name, reason=reason
                ),
            )
        )
        access.write_audit(
            session, staff, by, "passed_to_plan", log=log, detail=f"coordinator {coordinator.id}"
        )
        return PlanView(stored_id(log), stored_id(coordinator), coordinator.full_name, now)
