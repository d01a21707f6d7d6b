"""The credit managers' KPI dashboard: HTML + SVG, no JS.

``render_dashboard`` is a self-contained page (inline CSS) for files and e-mail;
``render_dashboard_body`` is the same content for the console, which styles it from its own
stylesheet (its Content-Security-Policy allows no inline CSS).

One kept-promise rate everywhere: kept / (kept + broken), i.e. among promises whose date has
passed; promises still pending count in neither.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from bot.kpi.metrics import compute_kpis
from bot.messages.formatting import format_date, format_money
from bot.nps.charts import BAD, GOOD, NEUTRAL, PALETTE, Bar, bar_chart, line_chart, nps_color
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
        "opened": "aperte", "open": "in corso", "n": "Risposte", "kept_rate": "Promesse mantenute",
        "kept_rate_def": "Promesse mantenute = mantenute / (mantenute + non mantenute): le promesse ancora "
                         "in corso non contano.",
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
        "opened": "opened", "open": "open", "n": "Responses", "kept_rate": "Promises kept",
        "kept_rate_def": "Promises kept = kept / (kept + broken): promises still pending are not counted.",
    },
}


def _money(value: Decimal, lang: str) -> str:
    return format_money(Decimal(value), lang)


def _bars(lang: str, bars: list[Bar], *, decimals: int = 0, **kw: Any) -> str:
    """A bar chart whose numbers read the page's way (Italian "4.228", "94,7")."""
    return bar_chart(bars, decimals=decimals, number=lambda v: fmt_num(v if decimals else int(round(v)), decimals, lang),
                     **kw)


def _day(value: Any, lang: str) -> str:
    """An ISO date (or date) in words in the page language; anything else as it is."""
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return format_date(parsed, lang)


def _reason(code: str, lang: str) -> str:
    from bot.handoff.labels import reason
    return reason(code, lang)


def _key(dim: str, key: str, lang: str) -> str:
    """Channel and language codes as words ("webchat" -> "Chat web")."""
    from bot.handoff.labels import channel
    if dim == "channel":
        return {"it": "nessun canale", "en": "no channel"}["it" if lang == "it" else "en"] if key == "none" \
            else channel(key, lang)
    return {"it": {"it": "italiano", "en": "inglese"}, "en": {"it": "Italian", "en": "English"}}[
        "it" if lang == "it" else "en"].get(key, key)


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
        card(t["kept_rate"], _pct(p["kept_pct"], lang),
             f"{p['kept']} {t['kept']} · {p['broken']} {t['broken']} · {p['pending']} {t['pending']}"),
        card(t["plans"], str(pl["created"]), f"{t['on_track']} {pl['on_track']} · {t['defaulted']} {pl['defaulted']}"),
        card(t["handoffs"], str(h["total"]),
             f"{t['wait']}: {fmt_num(h['wait_avg_min'], 1, lang)} · {t['unanswered']} {h['unanswered']}"),
        card(t["nps"], fmt_num(nps["nps"], 0, lang), f"n={nps['n']}"),
        card(t["opt_outs"], str(k["opt_outs"]["total"])),
    ]) + "</div>"


def _outcomes(k: dict[str, Any], t: dict[str, str], lang: str) -> str:
    p, pl = k["promises"], k["plans"]
    # Counts, not shares: a share of all promises next to the kept rate (of decided ones) would
    # give two different "kept" percentages on one page. Labels sit outside the bars (contrast).
    promises = _bars(lang, [Bar(t["kept"], p["kept"], color=GOOD), Bar(t["pending"], p["pending"], color=NEUTRAL),
                          Bar(t["broken"], p["broken"], color=BAD)], title=f"{t['promises']} ({p['made']})")
    plans = _bars(lang, [Bar(t["completed"], pl["completed"], color=PALETTE[0]), Bar(t["on_track"], pl["on_track"], color=GOOD),
                       Bar(t["defaulted"], pl["defaulted"], color=BAD), Bar(t["cancelled"], pl["cancelled"], color="#767676")],
                      title=f"{t['plans']} ({pl['created']})")
    reasons = [Bar(_reason(reason, lang), n, color=PALETTE[i % len(PALETTE)])
               for i, (reason, n) in enumerate(sorted(k["handoffs"]["by_reason"].items(), key=lambda x: -x[1]))]
    cases = [Bar(t["disputes"], k["disputes"].get("opened", 0), color=PALETTE[3]),
             Bar(t["reconciliation"], k["reconciliation"].get("opened", 0), color=PALETTE[4]),
             Bar(t["opt_outs"], k["opt_outs"]["total"], color=PALETTE[5])]
    return (f'<div class="grid"><div class="panel">{promises}{plans}</div>'
            f'<div class="panel">{_bars(lang, cases, title=t["disputes"] + " · " + t["opt_outs"])}</div>'
            f'<div class="panel">{_bars(lang, reasons, title=t["reasons"])}</div>'
            f'<div class="panel">{line_chart([(m["month"], m["nps"]) for m in k["nps"]["trend"]], title=t["nps_trend"], lang=lang)}'
            f"</div></div>")


def _dimension(rows: list[dict[str, Any]], dim: str, t: dict[str, str], lang: str) -> str:
    rows = [{**r, "key": _key(dim, r["key"], lang)} for r in rows]
    recovered = _bars(lang, [Bar(r["key"], float(r.get("recovered", 0)), color=PALETTE[i % len(PALETTE)])
                           for i, r in enumerate(rows)], title=t["recovered_by"], decimals=0)
    contained = _bars(lang, [Bar(r["key"], r["containment_pct"] or 0.0, note=f"n={r.get('conversations', 0)}",
                               color=GOOD) for r in rows if r.get("conversations")], title=t["containment"],
                          suffix="%", decimals=1)
    nps = _bars(lang, [Bar(r["key"], r["nps"] or 0.0, note=f"n={r.get('nps_n', 0)}", color=nps_color(r["nps"]))
                     for r in rows if r.get("nps_n")], title=t["nps"], signed=True)
    headers = (t[dim], t["conversations"], t["containment"], t["handoffs"], t["promises"] + " " + t["made"],
               t["kept_rate"], t["plans"], t["recovered_by"], t["recovered"], t["disputes"], t["opt_outs"], t["nps"])
    data = [(r["key"], r.get("conversations", 0), _pct(r["containment_pct"], lang), r.get("handoffs", 0),
             r.get("promises_made", 0), _pct(r.get("promise_kept_pct"), lang), r.get("plans_created", 0),
             _money(Decimal(r.get("recovered", 0)), lang), _pct(r["recovered_pct"], lang), r.get("disputes", 0),
             r.get("opt_outs", 0), fmt_num(r["nps"], 0, lang)) for r in rows]
    return (f'<div class="grid"><div class="panel">{recovered}</div><div class="panel">{contained}</div>'
            f'<div class="panel">{nps}</div></div><div class="panel">{table(headers, data)}</div>')


def render_kpis(k: dict[str, Any], lang: str = "it") -> str:
    """The whole page (inline CSS) for a KPI dict."""
    t = LABELS.get(lang, LABELS["en"])
    return page(t["title"], render_kpis_body(k, lang), lang)


def render_kpis_body(k: dict[str, Any], lang: str = "it") -> str:
    """The dashboard content without the page around it."""
    t = LABELS.get(lang, LABELS["en"])
    period = k["period"]
    def day(value: Any) -> str:
        return _day(value, lang) if value else "…"

    span = (f"{day(period['since'])} → {day(period['until'] or period['as_of'])}"
            if period["since"] or period["until"] else f"{t['all']} ({day(period['as_of'])})")
    body = (f"<h1>{escape(t['title'])}</h1><p class=\"muted\">{escape(t['period'])}: {escape(span)}</p>"
            f"{_cards(k, t, lang)}{_outcomes(k, t, lang)}"
            f"<h2>{escape(t['by_channel'])}</h2>{_dimension(k['by_channel'], 'channel', t, lang)}"
            f"<h2>{escape(t['by_language'])}</h2>{_dimension(k['by_language'], 'language', t, lang)}"
            f"<p class=\"muted\">{escape(t['kept_rate_def'])}</p>")
    return body


def render_dashboard(session: Session, *, since: date | None, until: date | None, lang: str = "it") -> str:
    """A complete, self-contained HTML page of the collection KPIs, in Italian or English."""
    return render_kpis(compute_kpis(session, since=since, until=until), lang=lang if lang in LABELS else "en")


def render_dashboard_body(session: Session, *, since: date | None, until: date | None, lang: str = "it") -> str:
    """The dashboard content for the console frame (styled by console.css): the KPIs, then the
    NPS themes a credit manager acts on (the same figures and names as the NPS report)."""
    lang = lang if lang in LABELS else "en"
    return (render_kpis_body(compute_kpis(session, since=since, until=until), lang=lang)
            + nps_themes_body(session, since=since, until=until, lang=lang))


_THEMES_CACHE: dict[tuple[Any, ...], tuple[float, str]] = {}
THEMES_TTL_SECONDS = 300  # themes move slowly; a dashboard reload must not refit them each time


def nps_themes_body(session: Session, *, since: date | None, until: date | None, lang: str = "it") -> str:
    """The NPS report's drivers and themes for the console dashboard, cached for a few minutes."""
    import time

    from bot.nps.html import themes_section
    from bot.nps.report import build_report
    from bot.nps.sources import load_from_db

    from sqlalchemy import func, select

    from bot.ledger.models import NpsResponse

    answers = session.execute(select(func.count(NpsResponse.id), func.max(NpsResponse.id))).one()
    key = (since, until, lang, session.get_bind().url.render_as_string(hide_password=True), *answers)
    hit = _THEMES_CACHE.get(key)
    if hit and time.monotonic() - hit[0] < THEMES_TTL_SECONDS:
        return hit[1]
    report = build_report(load_from_db(session, since, until), workers=1, source="console")
    html = f'<section class="nps-themes" id="nps-themes">{themes_section(report, lang)}</section>'
    _THEMES_CACHE[key] = (time.monotonic(), html)
    return html
