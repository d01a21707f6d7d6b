"""Console privacy helpers: roles, escaping, and that each use is audited."""
from __future__ import annotations

import json
from types import SimpleNamespace

import sqlalchemy as sa

from bot.handoff.console_privacy import (
    ADMIN, SUPERVISOR, audit_for_console, erase_for_console, export_for_console, render_debtor, role_of,
)
from tests.privacy.conftest import SECRET_1


def test_roles_default_to_no_access() -> None:
    def req(agent):
        return SimpleNamespace(ctx=SimpleNamespace(agent_info=agent))
    assert role_of(req(SimpleNamespace(username="anna"))) == ""  # an account without a role
    assert role_of(req(SimpleNamespace(role="supervisor"))) in SUPERVISOR - ADMIN
    assert role_of(req(SimpleNamespace(role="admin"))) in ADMIN


def test_render_escapes_and_only_admins_get_buttons() -> None:
    entries = [{"created_at": "2026-11-01", "actor": "bot", "action": "<script>x</script>",
                "conversation_id": None, "details": {"a": "<b>"}}]
    page = render_debtor('D1"><script>', entries, admin=False, csrf="t")
    assert "<script>" not in page and "Erase" not in page
    assert "Erase" in render_debtor("D1", entries, admin=True, csrf="t")


def test_console_export_erase_and_audit_view_are_audited(world, app_db) -> None:
    document = json.loads(export_for_console("D1", "agent:admin"))
    assert document["stores"]["transcript_messages"][0]["text"] == SECRET_1
    assert any("legal hold" in line for line in erase_for_console("D1", "agent:admin"))
    entries = audit_for_console("D1", "agent:sup")
    assert {"privacy.export", "privacy.erase"} <= {e["action"] for e in entries}
    with world.engine.connect() as conn:
        views = conn.execute(sa.text("SELECT actor FROM audit_log WHERE action='privacy.audit_view'")).scalars().all()
    assert views == ["agent:sup"]


def test_agent_view_is_audited_against_the_debtor(world, app_db) -> None:
    from bot.privacy.audit_events import record_agent_view
    from bot.privacy.audit_view import debtor_audit
    record_agent_view("anna", 7, "wa:d1")
    with sa.orm.Session(world.engine, future=True) as session:
        entries = debtor_audit(session, "D1")
    assert ("agent:anna", "console.view_conversation") in {(e["actor"], e["action"]) for e in entries}
