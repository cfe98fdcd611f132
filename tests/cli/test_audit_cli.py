"""`relaytui audit verify` and `relaytui audit export` on a real file."""

from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.services import logs
from tests.factories import build_world, give_password

runner = CliRunner()
AS_ADMIN = ["--user", "admin", "--password-stdin"]


def _db(store):
    return store.url.replace("sqlite:///", "")


def _world(store):
    world = build_world(store, "dk")
    give_password(store, "admin", "admin-pw")
    give_password(store, "lene", "lene-pw")
    return world


def as_admin(store, *args):
    return runner.invoke(app, ["--db", _db(store), *args, *AS_ADMIN], input="admin-pw\n")


def test_verify_passes_then_names_the_changed_event(sqlite_store):
    world = _world(sqlite_store)
    log = logs.create_log(
        sqlite_store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    logs.get_log(sqlite_store, world.ref("lene"), log.id)
    ok = as_admin(sqlite_store, "audit", "verify")
    assert ok.exit_code == 0 and "whole" in ok.output
    refused = runner.invoke(
        app,
        ["--db", _db(sqlite_store), "audit", "verify", "--user", "lene", "--password-stdin"],
        input="lene-pw\n",
    )
    assert refused.exit_code == 1 and "administrator" in refused.output
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        conn.exec_driver_sql("UPDATE audit_event SET staff_id = 99 WHERE id = 2")
    bad = as_admin(sqlite_store, "audit", "verify")
    assert bad.exit_code == 1 and "event 2" in bad.output and "Traceback" not in bad.output


def test_export_writes_a_readable_access_report(sqlite_store, tmp_path):
    world = _world(sqlite_store)
    log = logs.create_log(
        sqlite_store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="secret"
    )
    logs.get_log(sqlite_store, world.ref("lene"), log.id)
    with sqlite_store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    out = tmp_path / "report.txt"
    result = as_admin(sqlite_store, "audit", "export", "--subject", number, "-o", str(out))
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert "Ida Jensen" in report and "Lene Lund" in report and "read the relay log" in report
    assert "secret" not in report and number not in report
    bad = as_admin(sqlite_store, "audit", "export", "--subject", "123")
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    with sqlite_store.session() as session:
        from sqlmodel import select

        from relaytui.models import AuditEvent

        details = [
            e.detail for e in session.exec(select(AuditEvent).where(AuditEvent.action == "command"))
        ]
    assert details and all(
        number not in detail for detail in details
    )  # the number never reaches the trail


def test_settings_are_shown_and_changed_with_validation(sqlite_store):
    _world(sqlite_store)
    changed = as_admin(sqlite_store, "setting", "idle_lock_minutes", "15")
    assert changed.exit_code == 0 and "idle_lock_minutes = 15" in changed.output
    for bad in (
        ["idle_lock_minutes", "abc"],
        ["nonsense", "1"],
        ["profile", "se"],
        ["idle_lock_minutes"],
        ["idle_end_minutes", "0"],
    ):
        refused = as_admin(sqlite_store, "setting", *bad)
        assert refused.exit_code == 1 and "Traceback" not in refused.output
    from relaytui.services import installation

    assert installation.read(sqlite_store).idle_lock_minutes == 15
