"""The nps and kpi commands end to end on a test database."""
from __future__ import annotations

import json

from bot.__main__ import main
from bot.ledger.db import session_scope
from bot.nps.survey import record_nps_response


def test_report_tasks_and_kpi_commands(app_db, tmp_path, capsys):
    with session_scope() as s:
        for i, (score, text) in enumerate([(2, "troppi messaggi"), (9, "operatore gentile"), (10, None)]):
            record_nps_response(s, conversation_id=f"c{i}", channel="sms", journey="plan", outcome="plan_created",
                                language="it", score=score, reason=text, improvement=None, debtor_id=None)
    assert main(["nps", "report", "--out", str(tmp_path)]) == 0
    figures = json.loads((tmp_path / "nps.json").read_text(encoding="utf-8"))
    assert figures["overall"]["n"] == 3 and figures["overall"]["nps"] == 33.3
    assert main(["nps", "tasks"]) == 0
    assert "troppi messaggi" in capsys.readouterr().out
    assert main(["nps", "tasks", "close", "1", "--note", "richiamato"]) == 0
    assert main(["nps", "tasks", "close", "1", "--note", "again"]) == 2  # clear error, nothing changed
    assert "already closed" in capsys.readouterr().err
    assert main(["nps", "tasks", "--status", "done"]) == 0 and "richiamato" in capsys.readouterr().out
    assert main(["kpi", "--json", "--html", str(tmp_path / "k.html")]) == 0
    assert '"nps"' in capsys.readouterr().out and (tmp_path / "k.html").exists()


def test_bad_csv_is_a_clear_error(app_db, tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("created_at,score\n2026-01-01,x\n", encoding="utf-8")
    assert main(["nps", "report", "--from-csv", str(path), "--out", str(tmp_path)]) == 2
    assert "s.csv, line 2, column score" in capsys.readouterr().err
    assert not (tmp_path / "nps.json").exists()
