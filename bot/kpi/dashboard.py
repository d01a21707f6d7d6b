"""The credit managers' KPI dashboard: one self-contained HTML page (inline CSS + SVG, no JS)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from bot.kpi.metrics import compute_kpis
from bot.nps.charts import BAD, GOOD, NEUTRAL, PALETTE, Bar, bar_chart, line_chart, nps_color, stacked_bar
from bot.nps.page import card, fmt_num, page, table

LABELS = {
    "it": {
        "title": "Cruscotto del recupero crediti", "period": "Periodo", "all": "tutto lo storico",
        "recovered": "Scaduto recuperato", "of": "su", "days": "Giorni medi dalla scadenza al pagamento",
        "promises": "Promesse di pagamento", "made": "fatte", "kept": "mantenute", "broken": "non mantenute",
        "pending": "in corso", "plans": "Piani di rientro", "created": "creati", "on_track": "regolari",
        "completed": "completati", "defaulted": "insoluti", "cancelled": "annullati",
        "containment": "Risolte senza operatore", "conversations": "Conversazioni", "handoffs": "Passaggi a operatore",
        "wait": "Attesa media (min)", "wait_median": "mediana", "unanswered": "senza risposta",
        "disputes": "Contestazioni", "reconciliation": "Già pagato (riconciliazioni)", "opt_outs": "Disiscrizioni",
        "nps": "NPS", "nps_trend": "Andamento NPS mensile", "by_channel": "Per canale", "by_language": "Per lingua",
        "channel": "Canale", "language": "Lingua", "recovered_by": "Recuperato (€)", "reasons": "Motivi del passaggio",
        "opened": "aperte", "open": "in corso", "n": "Risposte",
    },
    "en": {
        "title": "Collection dashboard", "period": "Period", "all": "all history",
        "recovered": "Overdue recovered", "of": "of", "days": "Average days from due date to payment",
        "promises": "Promises to pay", "made": "made", "kept": "kept", "broken": "broken", "pending": "pending",
        "plans": "Repayment plans", "created": "created", "on_track": "on track", "completed": "completed",
        "defaulted": "defaulted", "cancelled": "cancelled", "containment": "Resolved without a person",
        "conversations": "Conversations", "handoffs": "Handoffs to an agent", "wait": "Average wait (min)",
        "wait_median": "median", "unanswered": "unanswered", "disputes": "Disputes",
        "reconciliation": "Already paid (reconciliation)", "opt_outs": "Opt-outs", "nps": "NPS",
        "nps_trend": "Monthly NPS trend", "by_channel": "By channel", "by_language": "By language",
        "channel": "Channel", "language": "Language", "recovered_by": "Recovered (€)", "reasons": "Handoff reasons",
        "opened": "opened", "open": "open", "n": "Responses",
    },
}


def _money(value: Decimal, lang: str) -> str:
    return "€ " + fmt_num(float(value), 2, lang) if lang != "it" else fmt_num(float(value), 2, lang) + " €"


def _pct(value: float | None, lang: str) -> str:
    return "—" if value is None else f"{fmt_num(value, 1, lang)}%"


def _cards(k: dict[str, Any], t: dict[str, str], lang: str) -> str:
    r, c, h, p, pl = k["recovery"], k["conversations"], k["handoffs"], k["promises"], k["plans"]
    nps = k["nps"]["overall"]
    return '<div class="cards">' + "".join([
        card(t["recovered"], _pct(r["recovered_pct"], lang),
             f"{_money(r['recovered'], lang)} {t['of']} {_money(r['overdue_balance'], lang)}"),
        card(t["days"], fmt_num(r["avg_days_to_pay"], 1, lang)),
        card(t["containment"], _pct(c["containment_pct"], lang), f"{c['contained']}/{c['total']}"),
        card(t["promises"], f"{p['kept']}/{p['made']}", f"{t['kept']} {_pct(p['kept_pct'], lang)}"),
        card(t["plans"], str(pl["created"]), f"{t['on_track']} {pl['on_track']} · {t['defaulted']} {pl['defaulted']}"),
        card(t["handoffs"], str(h["total"]),
             f"{t['wait']}: {fmt_num(h['wait_avg_min'], 1, lang)} · {t['unanswered']} {h['unanswered']}"),
        card(t["nps"], fmt_num(nps["nps"], 0, lang), f"n={nps['n']}"),
        card(t["opt_outs"], str(k["opt_outs"]["total"])),
    ]) + "</div>"


def _outcomes(k: dict[str, Any], t: dict[str, str]) -> str:
    p, pl = k["promises"], k["plans"]
    promises = stacked_bar([(t["kept"], p["kept"], GOOD), (t["pending"], p["pending"], NEUTRAL),
                            (t["broken"], p["broken"], BAD)], title=f"{t['promises']} ({p['made']})")
    plans = stacked_bar([(t["completed"], pl["completed"], PALETTE[0]), (t["on_track"], pl["on_track"], GOOD),
                         (t["defaulted"], pl["defaulted"], BAD), (t["cancelled"], pl["cancelled"], "#999")],
                        title=f"{t['plans']} ({pl['created']})")
    reasons = [Bar(reason, n, color=PALETTE[i % len(PALETTE)])
               for i, (reason, n) in enumerate(sorted(k["handoffs"]["by_reason"].items(), key=lambda x: -x[1]))]
    cases = [Bar(t["disputes"], k["disputes"].get("opened", 0), color=PALETTE[3]),
             Bar(t["reconciliation"], k["reconciliation"].get("opened", 0), color=PALETTE[4]),
             Bar(t["opt_outs"], k["opt_outs"]["total"], color=PALETTE[5])]
    return (f'<div class="grid"><div class="panel">{promises}{plans}</div>'
            f'<div class="panel">{bar_chart(cases, title=t["disputes"] + " · " + t["opt_outs"])}</div>'
            f'<div class="panel">{bar_chart(reasons, title=t["reasons"])}</div>'
            f'<div class="panel">{line_chart([(m["month"], m["nps"]) for m in k["nps"]["trend"]], title=t["nps_trend"])}'
            f"</div></div>")


def _dimension(rows: list[dict[str, Any]], dim: str, t: dict[str, str], lang: str) -> str:
    recovered = bar_chart([Bar(r["key"], float(r.get("recovered", 0)), color=PALETTE[i % len(PALETTE)])
                           for i, r in enumerate(rows)], title=t["recovered_by"], decimals=0)
    contained = bar_chart([Bar(r["key"], r["containment_pct"] or 0.0, note=f"n={r.get('conversations', 0)}",
                               color=GOOD) for r in rows if r.get("conversations")], title=t["containment"],
                          suffix="%", decimals=1)
    nps = bar_chart([Bar(r["key"], r["nps"] or 0.0, note=f"n={r.get('nps_n', 0)}", color=nps_color(r["nps"]))
                     for r in rows if r.get("nps_n")], title=t["nps"], signed=True)
    headers = (t[dim], t["conversations"], t["containment"], t["handoffs"], t["promises"] + " " + t["made"],
               t["kept"], t["plans"], t["recovered_by"], t["recovered"], t["disputes"], t["opt_outs"], t["nps"])
    data = [(r["key"], r.get("conversations", 0), _pct(r["containment_pct"], lang), r.get("handoffs", 0),
             r.get("promises_made", 0), r.get("promises_kept", 0), r.get("plans_created", 0),
             _money(Decimal(r.get("recovered", 0)), lang), _pct(r["recovered_pct"], lang), r.get("disputes", 0),
             r.get("opt_outs", 0), fmt_num(r["nps"], 0, lang)) for r in rows]
    return (f'<div class="grid"><div class="panel">{recovered}</div><div class="panel">{contained}</div>'
            f'<div class="panel">{nps}</div></div><div class="panel">{table(headers, data)}</div>')


def render_kpis(k: dict[str, Any], lang: str = "it") -> str:
    t = LABELS.get(lang, LABELS["en"])
    period = k["period"]
    span = (f"{period['since'] or '…'} → {period['until'] or period['as_of']}"
            if period["since"] or period["until"] else f"{t['all']} ({period['as_of']})")
    body = (f"<h1>{escape(t['title'])}</h1><p class=\"muted\">{escape(t['period'])}: {escape(span)}</p>"
            f"{_cards(k, t, lang)}{_outcomes(k, t)}"
            f"<h2>{escape(t['by_channel'])}</h2>{_dimension(k['by_channel'], 'channel', t, lang)}"
            f"<h2>{escape(t['by_language'])}</h2>{_dimension(k['by_language'], 'language', t, lang)}")
    return page(t["title"], body, lang)


def render_dashboard(session: Session, *, since: date | None, until: date | None, lang: str = "it") -> str:
    """A complete, self-contained HTML page of the collection KPIs, in Italian or English."""
    return render_kpis(compute_kpis(session, since=since, until=until), lang=lang if lang in LABELS else "en")
