"""Norway: the BTI action guide (seeds 002 and 004) and its stafettlogg."""

from relaytui.i18n import N_
from relaytui.profiles import Profile

PROFILE = Profile(
    code="no",
    country=N_("Norway"),
    level_names=(
        N_("clarify"),
        N_("effort within one service"),
        N_("simple collaboration"),
        N_("extensive collaboration"),
    ),
    level_meanings=(
        N_("clarify whether there is a concern"),
        N_("effort within one service"),
        N_("simple collaboration, usually two services"),
        N_("extensive collaboration across several services"),
    ),
    # Normally level 1 with the consent given now; level 0 to clarify first (R2).
    start_levels=(1, 0),
    start_level_refusal=N_("A relay log starts at level 0 or 1; raise it later."),
    starts_with_consent=True,
    trigger_categories=False,
    young_consent=True,
    close_choices=(
        ("guardians_ended", N_("The guardians ended the log (you record it)")),
        ("efforts_worked", N_("The efforts have worked")),
    ),
    close_bases=("guardians_ended", "efforts_worked"),
    family_may_end=True,
    grant_needs_approval=True,
    # Level 3 is extensive collaboration, not a notification: that is its own act (DESIGN §1).
    notification_meeting_level=None,
    notification_recipient=N_("Child welfare service"),
    individual_plan=True,
    writing_language="nn",
    timezone="Europe/Oslo",
    number_digits=11,
    number_module="stdnum.no.fodselsnummer",
    number_expected=N_("a Norwegian national identity number or D-number: 11 digits, DDMMYY NNNNN"),
    number_hint=N_("Type the national identity number or D-number: 11 digits."),
    number_placeholder=N_("e.g. DDMMYYNNNNN"),
    number_control_digits=True,
    number_date_offsets=True,
    consultations=(None, None, None, None),
    subject_reads_own_log=True,
    national_login="ID-porten",
    number_claim="pid",
)
