"""Installation settings kept in the database: profile, time zone, ages and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.models import Setting
from relaytui.profiles import DEFAULT_CODE, Profile, codes, profile_of

PROFILES = codes()
DEFAULTS = {
    "profile": DEFAULT_CODE,
    "timezone": "Europe/Copenhagen",
    "age_of_own_consent": "16",
    "handover_reminder_days": "7",
    "idle_lock_minutes": "10",
    "idle_end_minutes": "60",
    "audit_checkpoint_every": "1000",
    "municipality": "",
    "language": "",
    # The family view's national login (issue 15): its OpenID Connect issuer, this
    # municipality's client id there, and the ID token's claim with the national number
    # ("": the country's). The client secret is never a setting (keyring or environment).
    "family_login_issuer": "",
    "family_login_client": "",
    "family_number_claim": "",
}


@dataclass(frozen=True)
class Installation:
    profile: str
    timezone: str
    age_of_own_consent: int
    handover_reminder_days: int
    idle_lock_minutes: int
    #: A session served by ``relaytui serve`` (SSH, browser) that has had no key for this long
    #: ends, its drafts saved, so that the server does not keep forgotten sessions open.
    idle_end_minutes: int
    #: A signed checkpoint of the audit chain after this many new events (relaytui.services.checkpoints).
    audit_checkpoint_every: int
    municipality: str
    language: str
    family_login_issuer: str = ""
    family_login_client: str = ""
    family_number_claim: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def country(self) -> Profile:
        """The rules and words of the stored profile (the setting keeps the code)."""
        return profile_of(self.profile)


def validate_profile(profile: str) -> str:
    value = (profile or "").strip().lower()
    if value not in PROFILES:
        raise InvalidInput(
            _("Unknown profile '{profile}'. Choose 'dk' (Denmark) or 'no' (Norway).").format(
                profile=profile
            )
        )
    return value


def validate_timezone(name: str) -> str:
    value = (name or "").strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise InvalidInput(
            _(
                "Unknown time zone '{zone}'. Use a name such as Europe/Copenhagen or Europe/Oslo."
            ).format(zone=name)
        ) from None
    if value not in available_timezones() and value != "UTC":
        raise InvalidInput(
            _(
                "Unknown time zone '{zone}'. Use a name such as Europe/Copenhagen or Europe/Oslo."
            ).format(zone=name)
        )
    return value


def _validate(key: str, value: str) -> str:
    if key == "family_login_issuer" and value:
        return _validate_issuer(value)
    if key == "profile":
        return validate_profile(value)
    if key == "timezone":
        return validate_timezone(value)
    if key == "age_of_own_consent":
        if value not in ("15", "16"):
            raise InvalidInput(_("The age of own consent must be 15 or 16."))
    if key in ("handover_reminder_days", "idle_lock_minutes"):
        if not value.isdigit() or not 1 <= int(value) <= 365:
            raise InvalidInput(_("Give a whole number from 1 to 365."))
    if key == "audit_checkpoint_every":
        if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
            raise InvalidInput(_("Give a whole number of events from 1 to 1000000."))
    if key == "idle_end_minutes":
        if not value.isdigit() or not 1 <= int(value) <= 1440:
            raise InvalidInput(_("Give a whole number of minutes from 1 to 1440 (a day)."))
    if key not in DEFAULTS:
        raise InvalidInput(_("Unknown setting '{key}'.").format(key=key))
    return value


def _validate_issuer(value: str) -> str:
    """The national login's address: https, or plain http on this machine only (a test)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local) or not parts.hostname:
        raise InvalidInput(
            _(
                "The login's issuer is an https address, as the national login gives it, e.g. "
                "https://login.example.dk"
            )
        )
    return value.strip().rstrip("/")


def read(store: Store) -> Installation:
    """The settings of this installation (defaults where none is stored)."""
    with store.session() as session:
        return read_in(session)


def read_in(session) -> Installation:
    """The settings, read inside a service's own session."""
    # Columns, and not the audit chains' heads (relaytui.services.audit): read per log opened.
    rows = dict(
        session.exec(
            select(Setting.key, Setting.value).where(
                col(Setting.key).not_like("audit\\_head%", escape="\\")
            )
        ).all()
    )
    values = {**DEFAULTS, **rows}
    return Installation(
        profile=values["profile"],
        timezone=values["timezone"],
        age_of_own_consent=int(values["age_of_own_consent"]),
        handover_reminder_days=int(values["handover_reminder_days"]),
        idle_lock_minutes=int(values["idle_lock_minutes"]),
        idle_end_minutes=int(values["idle_end_minutes"]),
        audit_checkpoint_every=int(values["audit_checkpoint_every"]),
        municipality=values["municipality"],
        language=values["language"],
        family_login_issuer=values["family_login_issuer"],
        family_login_client=values["family_login_client"],
        family_number_claim=values["family_number_claim"],
    )


def timezone_of(session) -> str:
    """The installation's time zone, read inside a service's own session."""
    row = session.get(Setting, "timezone")
    return row.value if row is not None else DEFAULTS["timezone"]


def write(store: Store, **values: str) -> Installation:
    """Store settings; only the CLI's set-up commands call this (an installation task)."""
    checked = {key: _validate(key, str(value)) for key, value in values.items()}
    with store.session(write=True) as session:
        for key, value in checked.items():
            row = session.get(Setting, key)
            if row is None:
                session.add(Setting(key=key, value=value))
            else:
                row.value = value
                session.add(row)
    return read(store)


def change(store: Store, by, key: str, value: str) -> Installation:
    """An administrator changes one setting; the change is in the audit trail.

    The profile decides which rules every log was kept by (R4, R10, R14), so it is chosen
    once: it cannot change once a relay log exists.
    """
    from relaytui.models import RelayLog
    from relaytui.services import access

    name = (key or "").strip()
    checked = _validate(name, str(value).strip())
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        row = session.get(Setting, name)
        before = row.value if row is not None else DEFAULTS[name]
        if (
            name == "profile"
            and checked != before
            and session.exec(select(RelayLog.id).limit(1)).first()
        ):
            raise InvalidInput(
                _(
                    "The profile cannot change once relay logs exist: every log was "
                    "kept by the rules of '{profile}'."
                ).format(profile=before)
            )
        if row is None:
            session.add(Setting(key=name, value=checked))
        else:
            row.value = checked
            session.add(row)
        access.write_audit(
            session,
            actor,
            by,
            "setting_changed",
            detail=f"{name}: {before} -> {checked}" if name != "municipality" else name,
        )
    return read(store)


def is_initialised(store: Store) -> bool:
    with store.session() as session:
        return session.get(Setting, "profile") is not None
