"""A family member's visit ends on logout, after the idle time and after the longest time."""

import time

from relaytui.server.family.visits import IDLE_SECONDS, Visits
from relaytui.services.family import FamilyRef

ANNE = FamilyRef("0101901234", "Anne Jensen")


def test_the_idle_time_is_fifteen_minutes():
    assert IDLE_SECONDS == 15 * 60


def test_a_visit_ends_after_the_idle_time_and_says_so():
    visits = Visits(idle=0.05)
    key = visits.begin(ANNE)
    visit, ended = visits.find(key)
    assert visit is not None and visit.who == ANNE and not ended
    time.sleep(0.1)
    assert visits.find(key) == (None, True)
    assert visits.find(key) == (None, False)  # gone, not found again


def test_each_page_view_keeps_the_visit_open():
    visits = Visits(idle=0.2)
    key = visits.begin(ANNE)
    for _ in range(4):
        time.sleep(0.08)
        assert visits.find(key)[0] is not None


def test_a_visit_ends_after_the_longest_time_however_busy():
    visits = Visits(idle=10, longest=0.1)
    key = visits.begin(ANNE)
    time.sleep(0.15)
    assert visits.find(key) == (None, True)


def test_logout_ends_the_visit_and_keys_are_not_guessable():
    visits = Visits()
    key = visits.begin(ANNE)
    assert len(key) >= 40
    visits.end(key)
    assert visits.find(key) == (None, False)
    assert visits.find("guess") == (None, False)


def test_the_form_token_is_compared_whole():
    visit = Visits().find(Visits().begin(ANNE))[0]
    assert visit is None  # another Visits knows nothing of it
    visits = Visits()
    visit = visits.find(visits.begin(ANNE))[0]
    assert visit.form_token_matches(visit.token)
    assert not visit.form_token_matches(visit.token[:-1])
    assert not visit.form_token_matches("")
    assert not visit.form_token_matches(None)
