"""SSH keys of staff: who may register them, what is accepted, and logging in with one.

A key logs in only the account it was registered for, never a locked or disabled account, and
a key that is offered but not registered is not a failed login (clients offer all they have).
"""

from __future__ import annotations

import warnings

import pytest
from sqlmodel import select

from relaytui.errors import AccountClosed, InvalidInput, NotAllowed, NotFound
from relaytui.models import AuditEvent, Staff
from relaytui.services import access, accounts, keys, sign_in

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh


def new_key(kind: str = "ssh-ed25519", **options) -> tuple[str, str]:
    """A fresh public key line and its fingerprint."""
    private = asyncssh.generate_private_key(kind, comment="anna@laptop", **options)
    public = private.convert_to_public()
    return public.export_public_key().decode(), public.get_fingerprint("sha256")


def _events(store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_administrator_registers_a_key_and_it_logs_in_its_account_only(store, world):
    admin = world.ref("admin")
    line, print_ = new_key()
    view = keys.add_key(store, admin, "anna", line)
    assert (
        view.fingerprint == print_
        and view.comment == "anna@laptop"
        and view.algorithm == "ssh-ed25519"
    )
    assert keys.key_answer(store, "anna", print_) == keys.KEY_ACCEPTED
    assert keys.key_answer(store, "ANNA ", print_) == keys.KEY_ACCEPTED
    # Another account, an unknown account and an unknown key: the same answer.
    assert keys.key_answer(store, "bo", print_) == keys.KEY_UNKNOWN
    assert keys.key_answer(store, "nobody", print_) == keys.KEY_UNKNOWN
    assert keys.key_answer(store, "anna", "SHA256:other") == keys.KEY_UNKNOWN
    assert _events(store, "login_failed") == []  # offering a key is no failed login
    anna = keys.log_in_with_key(store, "anna", print_, via="ssh 10.0.0.7")
    assert anna.id == world.ref("anna").id
    [login] = _events(store, "login")
    assert login.username == "anna" and print_ in login.detail and "ssh 10.0.0.7" in login.detail
    assert keys.keys_of(store, admin, "anna")[0].last_used_at is not None
    with pytest.raises(AccountClosed):
        keys.log_in_with_key(store, "bo", print_)
    assert [e.action for e in _events(store, "key_added")] == ["key_added"]


@pytest.mark.rule("R9")
def test_only_an_administrator_manages_keys(store, world):
    line, _print = new_key()
    for name in ("anna", "lene"):
        with pytest.raises(NotAllowed):
            keys.add_key(store, world.ref(name), name, line)
        with pytest.raises(NotAllowed):
            keys.keys_of(store, world.ref(name), name)
    assert keys.keys_of(store, world.ref("admin"), "anna") == []


def test_a_key_belongs_to_one_person(store, world):
    admin = world.ref("admin")
    line, _print = new_key()
    keys.add_key(store, admin, "anna", line)
    with pytest.raises(InvalidInput, match="already registered"):
        keys.add_key(store, admin, "bo", line)
    with pytest.raises(InvalidInput, match="already registered"):
        keys.add_key(store, admin, "anna", line)
    assert keys.keys_of(store, admin, "bo") == []


@pytest.mark.parametrize("locked", [True, False])
def test_a_locked_or_disabled_account_does_not_log_in_with_its_key(store, world, locked):
    admin = world.ref("admin")
    line, print_ = new_key()
    keys.add_key(store, admin, "anna", line)
    with store.session(write=True) as session:
        row = session.exec(select(Staff).where(Staff.username == "anna")).one()
        if locked:
            row.locked = True
        else:
            row.active = False
        session.add(row)
    assert keys.key_answer(store, "anna", print_) == keys.KEY_ACCOUNT_CLOSED
    with pytest.raises(AccountClosed):
        keys.log_in_with_key(store, "anna", print_)
    [failed] = _events(store, "login_failed")
    assert failed.username == "anna" and ("locked" if locked else "disabled") in failed.detail


def test_a_removed_key_logs_in_no_more(store, world):
    admin = world.ref("admin")
    line, print_ = new_key()
    keys.add_key(store, admin, "anna", line)
    with pytest.raises(NotFound):
        keys.remove_key(store, admin, "bo", print_)
    keys.remove_key(store, admin, "anna", print_.removeprefix("SHA256:"))
    assert keys.key_answer(store, "anna", print_) == keys.KEY_UNKNOWN
    assert [e.action for e in _events(store, "key_removed")] == ["key_removed"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            "private key",
        ),
        ("ssh-ed25519 not-base64 x\n", "not an SSH public key"),
        ("", "one public key"),
        ("# only a comment\n", "one public key"),
    ],
)
def test_what_is_not_one_public_key_is_refused_clearly(store, world, text, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        keys.add_key(store, world.ref("admin"), "anna", text)


def test_short_rsa_keys_are_refused_and_long_ones_taken(store, world):
    admin = world.ref("admin")
    short, _print = new_key("ssh-rsa", key_size=2048)
    with pytest.raises(InvalidInput, match="2048 bits"):
        keys.add_key(store, admin, "anna", short)
    long_, print_ = new_key("ssh-rsa", key_size=3072)
    assert keys.add_key(store, admin, "anna", long_).fingerprint == print_
    ecdsa, print_ = new_key("ecdsa-sha2-nistp256")
    assert keys.add_key(store, admin, "anna", ecdsa).fingerprint == print_


def test_the_server_session_starts_only_for_an_open_account(store, world):
    anna = world.ref("anna")
    assert sign_in.session_ref(store, anna.id).username == "anna"
    accounts.disable_user(store, access.system_administrator(), "bo")
    with pytest.raises(AccountClosed):
        sign_in.session_ref(store, world.ref("bo").id)
    with pytest.raises(AccountClosed):
        sign_in.session_ref(store, 999_999)
