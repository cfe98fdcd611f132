"""SQLModel tables, one module per aggregate. Importing this package registers them all."""

from relaytui.models import base  # noqa: F401  (naming convention first)
from relaytui.models.actor import Membership
from relaytui.models.audit import AuditCheckpoint, AuditEvent, Setting
from relaytui.models.consent import Consent, ConsentCover
from relaytui.models.effort import Effort, Evaluation, Goal
from relaytui.models.entry import Entry
from relaytui.models.grant import ReadGrantRequest
from relaytui.models.log import Handover, HolderPeriod, LevelChange, ReadGrant, RelayLog
from relaytui.models.meeting import AgendaItem, Invitee, Meeting, MinutesNote
from relaytui.models.notice import Notice
from relaytui.models.notification import Notification
from relaytui.models.staff import Staff, StaffKey
from relaytui.models.subject import Guardian, Subject
from relaytui.models.transition import TransitionRequest
from relaytui.models.unit import Unit

__all__ = [
    "AgendaItem",
    "AuditCheckpoint",
    "AuditEvent",
    "Consent",
    "ConsentCover",
    "Effort",
    "Entry",
    "Evaluation",
    "Goal",
    "Guardian",
    "Handover",
    "HolderPeriod",
    "Invitee",
    "LevelChange",
    "Meeting",
    "Membership",
    "MinutesNote",
    "Notice",
    "Notification",
    "ReadGrant",
    "ReadGrantRequest",
    "RelayLog",
    "Setting",
    "Staff",
    "StaffKey",
    "Subject",
    "TransitionRequest",
    "Unit",
]
