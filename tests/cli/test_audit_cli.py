"""`relaytui audit verify` and `relaytui audit export` on a real file."""

from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.services import logs
from tests.factories import build_world

runner = CliRunner()


def _db(store):
    return store.url.replace("sqlite:///", "")


def test_verify_passes_then_names_the_changed_event(sqlite_store):
    world = build_world(sqlite_store, "dk")
    log = logs.create_log(sqlite_store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c")
    logs.get_log(sqlite_store, world.ref("lene"), log.id)
    ok = runner.invoke(app, ["--db", _db(sqlite_store), "audit", "verify"])
    assert ok.exit_code == 0 and "whole" in ok.output
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_update")
        conn.exec_driver_sql("UPDATE audit_event SET staff_id = 99 WHERE id = 2")
    bad = runner.invoke(app, ["--db", _db(sqlite_store), "audit", "verify"])
    assert bad.exit_code == 1 and "event 2" in bad.output and "Traceback" not in bad.output


def test_export_writes_a_readable_access_report(sqlite_store, tmp_path):
    world = build_world(sqlite_store, "dk")
    log = logs.create_log(sqlite_store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="secret")
    logs.get_log(sqlite_store, world.ref("lene"), log.id)
    with sqlite_store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["--db", _db(sqlite_store), "audit", "export", "--subject", number, "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = out.read_text(encoding="utf-8")
    assert "Ida Jensen" in report and "Lene Lund" in report and "read the relay log" in report
    assert "secret" not in report and number not in report
    bad = runner.invoke(app, ["--db", _db(sqlite_store), "audit", "export", "--subject", "123"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def test_settings_are_shown_and_changed_with_validation(sqlite_store):
    build_world(sqlite_store, "dk")
    db = _db(sqlite_store)
    changed = runner.invoke(app, ["--db", db, "setting", "idle_lock_minutes", "15"])
    assert changed.exit_code == 0 and "idle_lock_minutes = 15" in changed.output
    for bad in (["idle_lock_minutes", "abc"], ["nonsense", "1"], ["profile", "se"], ["idle_lock_minutes"]):
        refused = runner.invoke(app, ["--db", db, "setting", *bad])
        assert refused.exit_code == 1 and "Traceback" not in refused.output
    from relaytui.services import installation

    assert installation.read(sqlite_store).idle_lock_minutes == 15
