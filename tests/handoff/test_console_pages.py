"""Console pages in the console frame: outreach (grouped skips), dashboard labels, summary formatting."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from bot.handoff import labels
from bot.handoff.summary import display_rows
from bot.kpi.dashboard import render_kpis_body
from bot.outreach.views import TEXTS, _group_unconfigured
from tests.handoff.conftest import add_agent, login


def test_skips_for_an_unconfigured_channel_are_one_row_per_channel():
    rows = [SimpleNamespace(channel="sms", send_on=date(2026, 11, d), step=step, status="skipped")
            for d, step in ((2, "due"), (3, "due"), (5, "overdue_7"))]
    rows.append(SimpleNamespace(channel="whatsapp", send_on=date(2026, 11, 4), step="due", status="skipped"))
    grouped = _group_unconfigured(rows, "it", TEXTS["it"])
    assert [(g[0], g[1], g[3]) for g in grouped] == [
        ("2026-11-02 – 2026-11-05", "3 messaggi", "sms"), ("2026-11-04", "1 messaggio", "whatsapp")]
    assert all(g[5] == "canale non configurato" for g in grouped)


def test_outreach_page_is_inside_the_console_frame_without_inline_style(console):
    add_agent("sara", "Sara", role="supervisor")
    page = login(console.url, "sara").get("/outreach").text
    assert 'id="nav-outreach" aria-current="page"' in page and "<style>" not in page
    assert "Contatti proattivi" in page


def test_summary_and_labels_speak_words_not_codes():
    rows = dict(display_rows({"balance": "1240.50", "reason": "complain", "channel": "webchat", "language": "en"},
                             "it"))
    assert rows == {"Motivo": "Reclamo", "Saldo aperto": "1.240,50 €", "Lingua": "inglese", "Canale": "Chat web"}
    assert labels.money(Decimal("1240.5"), "en") == "€1,240.50"
    assert labels.message_text("/start", "en") == "(opened the chat)"
    assert labels.priority(10, "it") == "Urgente" and labels.outcome("no_answer", "en") == "No answer"


def _kpis() -> dict:
    zero_dim: list = []
    return {
        "period": {"since": None, "until": None, "as_of": "2026-11-30"},
        "recovery": {"recovered_pct": 50.0, "recovered": Decimal("500"), "overdue_balance": Decimal("1000"),
                     "avg_days_to_pay": 12.0},
        "conversations": {"containment_pct": 80.0, "contained": 8, "total": 10},
        "handoffs": {"total": 2, "wait_avg_min": 3.0, "unanswered": 0, "by_reason": {"complain": 2}},
        "promises": {"made": 10, "kept": 3, "broken": 1, "pending": 6, "kept_pct": 75.0},
        "plans": {"created": 1, "on_track": 1, "completed": 0, "defaulted": 0, "cancelled": 0},
        "nps": {"overall": {"nps": 20.0, "n": 5}, "trend": [{"month": "2026-10", "nps": 10.0},
                                                             {"month": "2026-11", "nps": 30.0}]},
        "disputes": {"opened": 0}, "reconciliation": {"opened": 0}, "opt_outs": {"total": 0},
        "by_channel": zero_dim, "by_language": zero_dim,
    }


def test_dashboard_has_one_kept_promise_rate_and_reason_labels():
    body = render_kpis_body(_kpis(), "en")
    # 3 kept of 4 decided (6 pending not counted): the card shows the same rate the definition states.
    assert "75.0%" in body and "3/10" not in body and "kept / (kept + broken)" in body
    assert "Complaint" in body and ">complain<" not in body
    assert "€500.00" in body and "30 November 2026" in body  # babel, not ISO
