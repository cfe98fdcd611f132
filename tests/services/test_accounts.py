"""Accounts and units: passwords, logging in, lockout, management by administrators.

Runs on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from relaytui.errors import (
    AccountClosed,
    InvalidInput,
    LoginFailed,
    NotAllowed,
    NotFound,
    RuleViolation,
    StaleWrite,
)
from relaytui.models import AuditEvent, Staff, Unit
from relaytui.services import access, accounts, sign_in, units

PASSWORD = "correct horse battery staple"


@pytest.fixture
def cli():
    return access.system_administrator()


@pytest.fixture
def school(store, cli):
    return units.add_unit(store, cli, name="Nordskolen", kind="school", phone="12 34 56 78")


@pytest.fixture
def anna(store, cli, school):
    return accounts.add_user(
        store,
        cli,
        username="anna",
        full_name="Anna Jensen",
        password=PASSWORD,
        profession="teacher",
        unit="Nordskolen",
        email="anna@example.dk",
    )


@pytest.fixture
def admin(store, cli):
    return accounts.add_user(
        store,
        cli,
        username="root",
        full_name="Rita Root",
        password=PASSWORD,
        role="admin",
    )


def _row(store, username: str) -> Staff:
    with store.session() as session:
        return session.exec(select(Staff).where(Staff.username == username)).one()


def _events(store, action: str | None = None) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(session.exec(query).all())


# --- passwords and logging in ---------------------------------------------------------------


def test_password_is_hashed_with_argon2id(store, anna):
    row = _row(store, "anna")
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash


def test_the_default_hasher_is_argon2id():
    sign_in.set_password_hasher(None)
    hashed = sign_in.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert sign_in.verify_password(hashed, PASSWORD)
    assert not sign_in.verify_password(hashed, "other")
    assert not sign_in.verify_password("", PASSWORD)
    assert not sign_in.verify_password("not a hash", PASSWORD)


def test_login_returns_the_person_and_resets_the_counter(store, anna):
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "anna", "wrong")
    assert _row(store, "anna").failed_logins == 1
    ref = sign_in.authenticate(store, "Anna", PASSWORD)
    assert ref.id == anna.id
    assert ref.username == "anna"
    assert ref.full_name == "Anna Jensen"
    assert ref.role == "caseworker"
    assert ref.unit_id == anna.unit_id
    row = _row(store, "anna")
    assert row.failed_logins == 0
    assert row.last_login_at is not None


def test_wrong_password_and_unknown_user_get_the_same_message(store, anna):
    with pytest.raises(LoginFailed) as wrong_password:
        sign_in.authenticate(store, "anna", "not the password")
    with pytest.raises(LoginFailed) as unknown_user:
        sign_in.authenticate(store, "nobody", PASSWORD)
    assert str(wrong_password.value) == str(unknown_user.value)
    assert "anna" not in str(wrong_password.value)
    assert "nobody" not in str(unknown_user.value)


def test_empty_login_is_refused_without_counting(store, anna):
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "anna", "")
    assert _row(store, "anna").failed_logins == 0


def test_five_failures_lock_the_account_even_for_the_right_password(store, anna):
    for _attempt in range(sign_in.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed):
            sign_in.authenticate(store, "anna", "guess")
    assert not _row(store, "anna").locked
    with pytest.raises(LoginFailed) as fifth:
        sign_in.authenticate(store, "anna", "guess")
    assert "administrator" in str(fifth.value)
    row = _row(store, "anna")
    assert row.locked
    assert row.failed_logins == sign_in.MAX_FAILED_LOGINS
    # The sixth attempt, with the right password, is still refused: locked. The answer is the
    # one a wrong password or an unknown username gets: none tells which usernames exist.
    with pytest.raises(AccountClosed) as sixth:
        sign_in.authenticate(store, "anna", PASSWORD)
    assert "unlock" in str(sixth.value)
    with pytest.raises(LoginFailed) as unknown:
        sign_in.authenticate(store, "nobody", PASSWORD)
    assert str(sixth.value) == str(fifth.value) == str(unknown.value)


def test_concurrent_failed_logins_are_all_counted(store, anna):
    """Four wrong passwords at the same moment: none of the four increments is lost."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_n: int) -> str:
        try:
            sign_in.authenticate(store, "anna", "guess")
        except LoginFailed as exc:
            return str(exc)
        return "logged in"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert "logged in" not in results
    assert _row(store, "anna").failed_logins == 4
    assert len(_events(store, "login_failed")) == 4


def test_an_administrator_unlocks_and_resets_the_counter(store, cli, anna):
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            sign_in.authenticate(store, "anna", "guess")
    view = accounts.unlock_user(store, cli, "anna")
    assert not view.locked
    assert view.failed_logins == 0
    assert sign_in.authenticate(store, "anna", PASSWORD).id == anna.id
    assert [e.action for e in _events(store, "user_unlocked")] == ["user_unlocked"]


def test_a_locked_account_loses_access_at_once(store, anna):
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            sign_in.authenticate(store, "anna", "guess")
    with pytest.raises(NotAllowed):
        accounts.search_staff(store, ref, "")


def test_disabled_account_cannot_log_in(store, cli, anna):
    accounts.disable_user(store, cli, "anna")
    with pytest.raises(LoginFailed) as right_password:
        sign_in.authenticate(store, "anna", PASSWORD)
    assert "disabled" in str(right_password.value)
    # Someone without the password does not learn that the account exists.
    with pytest.raises(LoginFailed) as wrong_password:
        sign_in.authenticate(store, "anna", "guess")
    assert "disabled" not in str(wrong_password.value)
    accounts.enable_user(store, cli, "anna")
    assert sign_in.authenticate(store, "anna", PASSWORD).id == anna.id


def test_administrators_log_in_too(store, admin):
    ref = sign_in.authenticate(store, "root", PASSWORD)
    assert ref.is_admin


def test_login_rehashes_an_outdated_hash(store, anna):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with store.session(write=True) as session:
        row = session.exec(select(Staff).where(Staff.username == "anna")).one()
        row.password_hash = weak
        session.add(row)
    sign_in.authenticate(store, "anna", PASSWORD)
    stored = _row(store, "anna").password_hash
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert sign_in.authenticate(store, "anna", PASSWORD).id == anna.id


def test_logins_are_audited_without_the_password(store, anna):
    sign_in.authenticate(store, "anna", PASSWORD)
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            sign_in.authenticate(store, "anna", "Guess-" + PASSWORD)
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "ghost", "ghost-password")
    events = _events(store)
    actions = [e.action for e in events]
    assert actions.count("login") == 1
    assert actions.count("login_failed") == sign_in.MAX_FAILED_LOGINS + 1
    assert actions.count("account_locked") == 1
    locked = _events(store, "account_locked")[0]
    assert locked.staff_id == anna.id
    assert locked.username == "anna"
    for event in events:
        assert PASSWORD not in event.detail
        assert "ghost-password" not in event.detail and "ghost-password" not in event.username
    unknown = [e for e in events if e.action == "login_failed" and e.staff_id is None]
    assert len(unknown) == 1


# --- managing accounts ----------------------------------------------------------------------


def test_add_user_returns_a_view(store, anna, school):
    assert anna.username == "anna"
    assert anna.full_name == "Anna Jensen"
    assert anna.unit_id == school.id
    assert anna.unit_name == "Nordskolen"
    assert anna.role == "caseworker"
    assert anna.active and not anna.locked
    assert anna.state == "active"
    assert anna.version == 1
    assert [e.action for e in _events(store, "user_added")] == ["user_added"]


def test_usernames_are_lowercase_and_checked(store, cli):
    view = accounts.add_user(store, cli, username="  Bo.Berg ", full_name="Bo Berg", password="x")
    assert view.username == "bo.berg"
    for bad in ("a", "anna jensen", "ånne", "x" * 65, "", "anna@home"):
        with pytest.raises(InvalidInput):
            accounts.add_user(store, cli, username=bad, full_name="Someone", password="x")


def test_empty_password_is_refused(store, cli):
    for empty in ("", "   "):
        with pytest.raises(InvalidInput) as refused:
            accounts.add_user(store, cli, username="bo", full_name="Bo Berg", password=empty)
        assert "password" in str(refused.value)
    with pytest.raises(NotFound):
        accounts.get_user(store, cli, "bo")


def test_duplicate_username_is_refused(store, cli, anna):
    with pytest.raises(InvalidInput) as refused:
        accounts.add_user(store, cli, username="ANNA", full_name="Anna Other", password="x")
    assert "anna" in str(refused.value)
    assert len(accounts.list_users(store, cli)) == 1


def test_unknown_user_and_unit_are_named(store, cli):
    with pytest.raises(NotFound) as user:
        accounts.disable_user(store, cli, "ghost")
    assert "ghost" in str(user.value)
    with pytest.raises(NotFound) as unit:
        accounts.add_user(store, cli, username="bo", full_name="Bo", password="x", unit="Atlantis")
    assert "Atlantis" in str(unit.value)
    with pytest.raises(InvalidInput):
        accounts.add_user(store, cli, username="bo", full_name="Bo", password="x", role="boss")


@pytest.mark.rule("R9")
def test_a_caseworker_cannot_manage_accounts(store, cli, anna):
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    with pytest.raises(NotAllowed):
        accounts.add_user(store, ref, username="eve", full_name="Eve", password="x")
    with pytest.raises(NotAllowed):
        accounts.list_users(store, ref)
    with pytest.raises(NotAllowed):
        accounts.set_role(store, ref, "anna", "admin")
    with pytest.raises(NotAllowed):
        accounts.reset_password(store, ref, "anna")
    with pytest.raises(NotAllowed):
        units.add_unit(store, ref, name="Eve's unit")
    assert _row(store, "anna").role == "caseworker"
    assert [v.username for v in accounts.list_users(store, cli)] == ["anna"]


@pytest.mark.rule("R9")
def test_an_administrator_does_not_search_staff_for_logs(store, admin, anna):
    ref = sign_in.authenticate(store, "root", PASSWORD)
    with pytest.raises(NotAllowed):
        accounts.search_staff(store, ref, "anna")


def test_a_logged_in_administrator_manages_accounts(store, admin, anna):
    ref = sign_in.authenticate(store, "root", PASSWORD)
    accounts.set_role(store, ref, "anna", "leader")
    assert _row(store, "anna").role == "leader"
    added = _events(store, "role_changed")[0]
    assert added.staff_id == admin.id and added.username == "root"


def test_the_last_active_administrator_is_kept(store, cli, admin):
    with pytest.raises(RuleViolation):
        accounts.disable_user(store, cli, "root")
    with pytest.raises(RuleViolation):
        accounts.set_role(store, cli, "root", "caseworker")
    assert _row(store, "root").role == "admin" and _row(store, "root").active
    accounts.add_user(
        store, cli, username="second", full_name="Second Admin", password="x", role="admin"
    )
    ref = sign_in.authenticate(store, "root", PASSWORD)
    accounts.disable_user(store, ref, "second")
    with pytest.raises(RuleViolation):
        accounts.set_role(store, ref, "root", "caseworker")
    accounts.enable_user(store, cli, "second")
    accounts.set_role(store, ref, "root", "caseworker")
    assert _row(store, "root").role == "caseworker"


def test_a_stale_version_is_refused(store, cli, anna):
    seen = accounts.get_user(store, cli, "anna")
    accounts.set_role(store, cli, "anna", "leader", version=seen.version)
    with pytest.raises(StaleWrite) as stale:
        accounts.disable_user(store, cli, "anna", version=seen.version)
    assert "reload" in str(stale.value)
    assert _row(store, "anna").active
    fresh = accounts.get_user(store, cli, "anna")
    assert fresh.version == seen.version + 1
    assert not accounts.disable_user(store, cli, "anna", version=fresh.version).active


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_concurrent_change_between_read_and_write_is_refused(store, cli, anna, monkeypatch):
    """Someone else writes the row after the service read it: the guarded UPDATE finds 0 rows.
    (On SQLite, writers are serialised by BEGIN IMMEDIATE: the race cannot happen there.)"""
    real = accounts._check_version

    def interleave(staff, version):
        real(staff, version)
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE staff SET version = version + 1 WHERE id = {int(staff.id)}"
            )

    monkeypatch.setattr(accounts, "_check_version", interleave)
    with pytest.raises(StaleWrite):
        accounts.set_role(store, cli, "anna", "leader")
    assert _row(store, "anna").role == "caseworker"


def test_reset_password_gives_a_one_time_password(store, cli, anna):
    reset = accounts.reset_password(store, cli, "anna")
    assert reset.view.must_change_password and reset.subjects == 0
    assert len(reset.password) == 14 and reset.password.count("-") == 2
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "anna", PASSWORD)
    first = sign_in.authenticate(store, "anna", reset.password)
    assert first.id == anna.id and first.must_change_password
    assert [e.action for e in _events(store, "password_reset")] == ["password_reset"]
    # Two resets never give the same password.
    assert accounts.reset_password(store, cli, "anna").password != reset.password


def test_a_one_time_password_is_changed_by_its_owner_only_once(store, cli, anna):
    reset = accounts.reset_password(store, cli, "anna")
    with pytest.raises(InvalidInput):
        sign_in.change_password(store, "anna", reset.password, reset.password)
    with pytest.raises(InvalidInput):
        sign_in.change_password(store, "anna", reset.password, "")
    with pytest.raises(LoginFailed):
        sign_in.change_password(store, "anna", "a wrong guess", "my own words")
    assert _row(store, "anna").failed_logins == 1  # a wrong current password counts
    me = sign_in.change_password(store, "anna", reset.password, "my own words")
    assert me.id == anna.id and not me.must_change_password
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "anna", reset.password)
    assert not sign_in.authenticate(store, "anna", "my own words").must_change_password
    assert [e.action for e in _events(store, "password_changed")] == ["password_changed"]


def test_a_password_change_cannot_unlock_a_locked_account(store, cli, anna):
    for _attempt in range(sign_in.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            sign_in.authenticate(store, "anna", "guess")
    with pytest.raises(AccountClosed):
        sign_in.change_password(store, "anna", PASSWORD, "my own words")
    with pytest.raises(LoginFailed):
        sign_in.authenticate(store, "anna", "my own words")


def test_management_is_audited(store, cli, anna):
    accounts.disable_user(store, cli, "anna")
    accounts.enable_user(store, cli, "anna")
    accounts.set_role(store, cli, "anna", "leader")
    actions = [e.action for e in _events(store)]
    assert actions == ["unit_added", "user_added", "user_disabled", "user_enabled", "role_changed"]
    assert all(e.username == cli.username for e in _events(store))


def test_list_users(store, cli, anna, admin):
    views = accounts.list_users(store, cli)
    assert [v.username for v in views] == ["anna", "root"]
    assert views[0].unit_name == "Nordskolen"
    assert views[1].unit_name is None


def test_set_unit(store, cli, anna):
    units.add_unit(store, cli, name="Sydskolen", kind="school")
    view = accounts.set_unit(store, cli, "anna", "sydskolen")
    assert view.unit_name == "Sydskolen"


# --- searching colleagues and one's own language --------------------------------------------


def test_search_staff_by_name_username_and_profession(store, cli, anna):
    accounts.add_user(
        store,
        cli,
        username="bo",
        full_name="Bo Østergaard",
        password="x",
        profession="health visitor",
    )
    accounts.add_user(
        store, cli, username="carl", full_name="Carl Admin", password="x", role="admin"
    )
    accounts.add_user(store, cli, username="dina", full_name="Dina Gone", password="x")
    accounts.disable_user(store, cli, "dina")
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    assert [v.username for v in accounts.search_staff(store, ref, "")] == ["anna", "bo"]
    assert [v.username for v in accounts.search_staff(store, ref, "JENS")] == ["anna"]
    assert [v.username for v in accounts.search_staff(store, ref, "østergaard")] == ["bo"]
    assert [v.username for v in accounts.search_staff(store, ref, "ØSTER")] == ["bo"]
    assert [v.username for v in accounts.search_staff(store, ref, "Health")] == ["bo"]
    assert [v.username for v in accounts.search_staff(store, ref, "carl")] == []
    assert [v.username for v in accounts.search_staff(store, ref, "dina")] == []
    assert len(accounts.search_staff(store, ref, "", limit=1)) == 1


def test_search_staff_matches_percent_and_underscore_literally(store, cli, anna):
    accounts.add_user(store, cli, username="per_cent", full_name="Per 100% Hansen", password="x")
    accounts.add_user(store, cli, username="percent", full_name="Per Hansen", password="x")
    accounts.add_user(store, cli, username="back", full_name="Back\\slash", password="x")
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    assert [v.username for v in accounts.search_staff(store, ref, "%")] == ["per_cent"]
    assert [v.username for v in accounts.search_staff(store, ref, "100%")] == ["per_cent"]
    assert [v.username for v in accounts.search_staff(store, ref, "_")] == ["per_cent"]
    assert [v.username for v in accounts.search_staff(store, ref, "per_")] == ["per_cent"]
    assert [v.username for v in accounts.search_staff(store, ref, "\\")] == ["back"]


def test_set_language_for_oneself(store, anna):
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    assert accounts.set_language(store, ref, "da") == "da"
    assert _row(store, "anna").language == "da"
    assert sign_in.authenticate(store, "anna", PASSWORD).language == "da"
    with pytest.raises(InvalidInput):
        accounts.set_language(store, ref, "klingon")
    assert accounts.set_language(store, ref, None) is None
    assert _row(store, "anna").language is None


def test_the_command_line_has_no_language_of_its_own(store, cli):
    with pytest.raises(NotAllowed):
        accounts.set_language(store, cli, "da")


# --- units ----------------------------------------------------------------------------------


def test_units_are_added_and_listed(store, cli, school, anna):
    assert school.kind == "school"
    assert school.phone == "12 34 56 78"
    units.add_unit(store, cli, name="Solsikken", kind="daycare")
    views = units.list_units(store, cli)
    assert [v.name for v in views] == ["Nordskolen", "Solsikken"]
    assert views[0].staff_count == 1
    ref = sign_in.authenticate(store, "anna", PASSWORD)
    assert [v.name for v in units.list_units(store, ref)] == ["Nordskolen", "Solsikken"]


def test_unit_kind_and_name_are_checked(store, cli, school):
    with pytest.raises(InvalidInput) as kind:
        units.add_unit(store, cli, name="Somewhere", kind="castle")
    assert "castle" in str(kind.value)
    with pytest.raises(InvalidInput):
        units.add_unit(store, cli, name="nordskolen")
    with pytest.raises(InvalidInput):
        units.add_unit(store, cli, name="  ")


def test_set_leader_makes_a_caseworker_leader(store, cli, school, anna):
    view = units.set_leader(store, cli, "Nordskolen", "anna")
    assert view.leader_id == anna.id
    assert view.leader_username == "anna"
    assert view.leader_name == "Anna Jensen"
    assert _row(store, "anna").role == "leader"
    with store.session() as session:
        assert session.get(Unit, school.id).leader_id == anna.id


def test_the_leader_must_work_in_the_unit_and_be_active(store, cli, school, anna):
    units.add_unit(store, cli, name="Sydskolen", kind="school")
    with pytest.raises(InvalidInput):
        units.set_leader(store, cli, "Sydskolen", "anna")
    accounts.disable_user(store, cli, "anna")
    with pytest.raises(InvalidInput):
        units.set_leader(store, cli, "Nordskolen", "anna")
    with pytest.raises(NotFound):
        units.set_leader(store, cli, "Nordskolen", "ghost")
    with pytest.raises(NotFound):
        units.set_leader(store, cli, "Atlantis", "anna")
    assert _row(store, "anna").role == "caseworker"


def test_a_leader_cannot_become_administrator(store, cli, school, anna):
    units.set_leader(store, cli, "Nordskolen", "anna")
    with pytest.raises(InvalidInput):
        accounts.set_role(store, cli, "anna", "admin")
    with pytest.raises(InvalidInput):
        accounts.set_unit(store, cli, "anna", None)
