"""Denmark: the guide of Kerteminde Kommune ("Sådan gør vi", seeds 001) and its stafetlog."""

from relaytui.i18n import N_
from relaytui.profiles import Profile

PROFILE = Profile(
    code="dk",
    country=N_("Denmark"),
    level_names=(
        N_("wonder and attention"),
        N_("concern"),
        N_("great concern"),
        N_("strong concern"),
    ),
    level_meanings=(
        N_("wonder and attention: analyse the concern"),
        N_("concern: dialogue meeting, local effort"),
        N_("great concern: cross-disciplinary effort"),
        N_("strong concern: notification meeting with the family department"),
    ),
    # A log starts at level 0; level 1 and above need the guardians' consent (R2, R4).
    start_levels=(0,),
    start_level_refusal=N_("In Denmark a relay log starts at level 0."),
    starts_with_consent=False,
    trigger_categories=True,
    young_consent=False,
    # The level decides the basis: colleagues at 0-1, the actors at 2-3 (R10).
    close_choices=(),
    close_bases=("colleagues", "actors"),
    family_may_end=False,
    grant_needs_approval=False,
    notification_meeting_level=3,
    notification_recipient=N_("Family department"),
    individual_plan=False,
    writing_language="da",
    timezone="Europe/Copenhagen",
    number_digits=10,
    number_module="stdnum.dk.cpr",
    number_expected=N_("a Danish CPR number: 10 digits, DDMMYY-NNNN"),
    number_hint=N_("Type the CPR number: 10 digits, DDMMYY-NNNN."),
    number_placeholder=N_("e.g. DDMMYY-NNNN"),
    number_control_digits=False,
    number_date_offsets=False,
    consultations=("colleagues", "colleagues", "actors", "actors"),
)
