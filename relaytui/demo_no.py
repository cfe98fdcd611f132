"""The Norwegian demo municipality: Sunnfjord kommune, profile ``no``, texts in nynorsk.

`relaytui demo --profile no`, or `relaytui --demo --lang nn` (or ``nb``). The story is the
Danish one (:func:`relaytui.demo.populate`) told under the BTI rules; only the people, places
and words are Norwegian. All people, numbers and places are invented.
"""

from __future__ import annotations

from relaytui.db import Store
from relaytui.demo import Country
from relaytui.errors import DomainError
from relaytui.services import access, log_list, plan

NORWAY = Country(
    profile="no",
    timezone="Europe/Oslo",
    municipality="Sunnfjord kommune",
    language="nn",
    email_domain="sunnfjord.example",
    units=(
        ("Solbakken barnehage", "daycare", "+47 5772 2030"),
        ("Vie skule", "school", "+47 5772 2040"),
        ("Helsestasjonen", "health", "+47 5772 2050"),
        ("PPT Sunnfjord", "ppr", "+47 5772 2060"),
        ("Barnevernstenesta", "family", "+47 5772 2070"),
    ),
    staff=(
        ("randi", "Randi Nes", "styrar", "daycare", "caseworker"),
        ("anna", "Anna Hauge", "pedagogisk leiar", "daycare", "caseworker"),
        ("bjorn", "Bjørn Vik", "barnehagelærar", "daycare", "caseworker"),
        ("kari", "Kari Solheim", "barnehagelærar", "daycare", "caseworker"),
        ("magnus", "Magnus Eide", "barne- og ungdomsarbeidar", "daycare", "caseworker"),
        ("sigurd", "Sigurd Førde", "rektor", "school", "caseworker"),
        ("tone", "Tone Myklebust", "kontaktlærar", "school", "caseworker"),
        ("eirik", "Eirik Hjelle", "lærar", "school", "caseworker"),
        ("ola", "Ola Sande", "sosiallærar", "school", "caseworker"),
        ("marit", "Marit Råd", "miljøterapeut", "school", "caseworker"),
        ("hilde", "Hilde Bruland", "leiande helsesjukepleiar", "health", "caseworker"),
        ("guro", "Guro Tefre", "helsesjukepleiar", "health", "caseworker"),
        ("live", "Live Aase", "jordmor", "health", "caseworker"),
        ("petter", "Petter Haugland", "PPT-leiar", "ppr", "caseworker"),
        ("ivar", "Ivar Strand", "psykolog", "ppr", "caseworker"),
        ("oda", "Oda Lunde", "logoped", "ppr", "caseworker"),
        ("frode", "Frode Årdal", "barnevernsleiar", "family", "caseworker"),
        ("jorunn", "Jorunn Klakegg", "sakshandsamar", "family", "caseworker"),
        ("siri", "Siri Mo", "sakshandsamar", "family", "caseworker"),
    ),
    leaders={"daycare": "randi", "school": "sigurd", "health": "hilde", "ppr": "petter", "family": "frode"},
    staff_phone="+47 5772 3{number:03d}",
    guardian_phones=("+47 4{index:02d}0 4{index:03d}", "+47 9{index:02d}0 5{index:03d}"),
    first_names=(
        "Nora", "Jakob", "Emma", "Filip", "Olivia", "Lukas", "Ella", "Emil", "Sofie", "Oskar",
        "Ingrid", "Noah", "Leah", "Isak", "Frida", "Henrik", "Maja", "Aksel", "Sara", "Magnus",
        "Astrid", "Elias", "Selma", "Sander", "Tobias", "Amalie", "Hedda", "Johannes", "Tiril", "Mathias",
        "Vilde", "Kasper", "Live", "Theodor", "Hanna", "Ola", "Eira", "Brage", "Mia", "Sindre"),
    last_names=(
        "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Nilsen", "Pedersen", "Berntsen",
        "Solheim", "Vik", "Hauge", "Eide", "Myklebust", "Førde", "Bruland", "Sande", "Tefre", "Aase",
        "Dale", "Kvamme"),
    mothers=("Kari", "Ingrid", "Silje", "Marte", "Hilde", "Linn", "Ragnhild", "Tone", "Camilla", "Eli"),
    fathers=("Ole", "Lars", "Knut", "Per", "Arne", "Geir", "Trond", "Espen", "Øyvind", "Stian"),
    child_years=(1, 12),
    youth_years=(13, 17),
    concerns=(
        "{name} kjem ofte svolten i barnehagen og sovnar etter lunsj.",
        "{name} trekkjer seg frå dei andre borna og gret når mor går om morgonen.",
        "{name} har mykje fråvær, og foreldra svarar ikkje på meldingar.",
        "{name} slår dei andre borna når leiken ikkje går som ønskt.",
        "{name} har eit språk som er langt etter alderen.",
        "{name} fortel at far og mor ropar mykje heime.",
        "{name} har gått ned i vekt, og kleda passar dårleg til vêret.",
        "{name} har vanskar med å konsentrere seg og går ofte ut av klasserommet.",
    ),
    notes=(
        ("note", "Mor henta {name} kl. 16.30. Vi snakka kort om søvn; mor seier at {name} søv uroleg."),
        ("positive", "{name} leikte ein halvtime med to andre born i sandkassa og lo mykje."),
        ("assessment", "Vi ser at {name} er meir trøytt på måndagar enn resten av veka."),
        ("agreement", "Far og eg avtalte at far ringjer dersom {name} har sove dårleg."),
        ("note", "{name} åt heile matpakka i dag og bad om meir."),
        ("positive", "{name} hjelpte ein mindre kamerat med å ta på seg dressen."),
    ),
    efforts=(
        ("Frukost i barnehagen kl. 7.30", None, "mother_or_home"),
        ("Samtale med logoped annakvar veke", "oda", None),
        ("Fast vaksen ved levering om morgonen", "holder", None),
        ("Søvndagbok i fire veker", None, "mor"),
        ("Observasjon i gruppa og vurdering", "ivar", None),
        ("Far følgjer {name} til skulen måndag og fredag", None, "far"),
    ),
    holders=tuple(["anna"] * 8 + ["bjorn"] * 4 + ["kari"] * 3 + ["tone"] * 5 + ["eirik"] * 3
                  + ["ola"] * 3 + ["guro"] * 4 + ["live"] * 3 + ["marit"] * 3 + ["magnus"] * 2
                  + ["ivar"] * 2),
    midwives=("guro", "live"),
    youth_workers=("ola", "marit"),
    psychologist="ivar",
    psychologist_stand_in="oda",
    level_reasons=("Vi set i verk tiltak i eiga teneste, med samtykke frå foreldra.",
                   "Vi treng eit enkelt samarbeid med PPT.",
                   "Vi treng eit omfattande samarbeid mellom fleire tenester."),
    consent_note="Underskrive skjema ligg i personalmappa.",
    withdraw_reason="Mor ringde og trekte samtykket tilbake.",
    mother="mor",
    father="far",
    parent_role="føresett",
    goal="{first} trivst og er med i fellesskapet.",
    place="Møterom 2",
    upcoming_place="Møterom 1",
    team_place="Personalrommet",
    minutes=("Mor fortel at {first} søv betre etter faste leggjetider.",
             "{first} har teikna familien sin og fortalt om han.",
             "Tiltaka held fram; vi evaluerer om ein månad."),
    agreed_effort="Pedagog og mor snakkar om søvnen til {first} kvar fredag",
    level3_guest=("Oda Lunde", "logoped, PPT Sunnfjord"),
    notification_reason="Barnet fortel at det blir slått heime. Vi sender bekymringsmelding.",
    notification_recipient="Barnevernstenesta",
    close_reason="Foreldra vil ikkje at stafettloggen skal halde fram. Eg har skrive ned samtalen.",
    close_consultation="",
    handover_from="bjorn",
    handover_message="Eg byrjar på småbarnsavdelinga. Vil du ta over stafettpinnen?",
)

#: Whose log passes into an individual plan, and who coordinates it (R14).
PLAN_FROM = "kari"
PLAN_COORDINATOR = "anna"
PLAN_REASON = "Barnet treng langvarige og koordinerte tenester. Foreldra ønskjer individuell plan."


def pass_one_to_plan(store: Store, land: Country, refs: dict[str, access.StaffRef], t) -> None:
    """The first of ``PLAN_FROM``'s logs at level 2 or more passes into a plan (R14)."""
    by = refs[PLAN_FROM]
    t.days_ago(1, 11)
    for summary in log_list.list_logs(store, by, role="holder"):
        if summary.level < 2 or summary.status != "active":
            continue
        try:
            plan.pass_to_plan(store, by, summary.id, coordinator_id=refs[PLAN_COORDINATOR].id,
                              reason=PLAN_REASON)
        except DomainError:
            continue  # no consent in force on this one: the next
        return
