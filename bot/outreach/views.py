"""The outreach page of the agent console: schedule, sent, skipped (and why), failures,
pauses with pause/resume forms, and each scheduled debtor's top propensity factors.

Self-contained HTML (inline style, no script). The forms post plain
``application/x-www-form-urlencoded`` bodies to URLs the console wires to
``handle_pause_form`` and ``handle_resume_form``:

- ``POST /console/outreach/pause``  fields ``scope`` (campaign|debtor), ``campaign`` (a
  step name or ``all``), ``debtor_ref``, ``reason``
- ``POST /console/outreach/resume`` field ``pause_id``
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from html import escape
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import DEFAULT_CREDITOR, AuditLog, Debtor
from bot.logs import mask_text
from bot.outreach.config import OutreachConfig, get_outreach_config
from bot.outreach.models import OutboxMessage, OutreachPause

PAUSE_URL = "/webhooks/console/outreach/pause"
RESUME_URL = "/webhooks/console/outreach/resume"
ROW_LIMIT = 100

TEXTS = {
    "it": {"title": "Contatti proattivi", "schedule": "In programma", "sent": "Inviati",
           "skipped": "Non inviati e perché", "pauses": "Pause attive", "none": "Nessuno",
           "when": "Quando", "debtor": "Cliente", "step": "Passo", "channel": "Canale", "variant": "Variante",
           "reason": "Motivo", "status": "Stato", "factors": "Fattori principali", "p30": "Prob. pagamento 30 gg",
           "pause": "Metti in pausa", "resume": "Riprendi", "campaign": "Campagna", "all": "tutte",
           "debtor_ref": "Codice cliente", "scope": "Ambito", "note": "Nota", "provider": "ID fornitore",
           "message": "messaggio", "messages": "messaggi"},
    "en": {"title": "Proactive outreach", "schedule": "Scheduled", "sent": "Sent",
           "skipped": "Not sent, and why", "pauses": "Active pauses", "none": "None",
           "when": "When", "debtor": "Customer", "step": "Step", "channel": "Channel", "variant": "Variant",
           "reason": "Reason", "status": "Status", "factors": "Top factors", "p30": "P(pay in 30 days)",
           "pause": "Pause", "resume": "Resume", "campaign": "Campaign", "all": "all",
           "debtor_ref": "Customer ref", "scope": "Scope", "note": "Note", "provider": "Provider id",
           "message": "message", "messages": "messages"},
}

REASONS = {
    "dispute": ("fattura contestata", "invoice disputed"),
    "reconciliation_hold": ("pagamento in verifica", "payment being reconciled"),
    "payment_pause": ("pausa dei pagamenti concordata", "agreed payment pause"),
    "with_agent": ("in carico a un operatore", "with a human agent"),
    "plan_on_track": ("piano di rientro in regola", "payment plan on track"),
    "promise_pending": ("promessa di pagamento in corso", "promise to pay pending"),
    "nothing_due": ("nulla da pagare", "nothing left to pay"),
    "opted_out_channel": ("disiscritto dal canale", "opted out of the channel"),
    "opted_out_all": ("disiscritto da tutti i canali", "opted out of all channels"),
    "cap_daily": ("limite giornaliero", "daily cap"),
    "cap_weekly": ("limite settimanale", "weekly cap"),
    "paused_campaign": ("campagna in pausa", "campaign paused"),
    "paused_debtor": ("cliente in pausa", "customer paused"),
    "no_address": ("nessun recapito", "no address on file"),
    "channel_not_configured": ("canale non configurato", "channel not configured"),
    "whatsapp_window_closed": ("finestra WhatsApp chiusa, nessun modello", "WhatsApp window closed, no template"),
    "no_contact_hours": ("nessun orario di contatto", "no contact hours"),
    "unconfirmed": ("esito non confermato: verificare", "outcome unconfirmed: check"),
    "provider_refused": ("rifiutato dal fornitore", "refused by the provider"),
    "recently_reminded": ("già contattato di recente", "contacted recently"),
    "follow_up_open": ("in carico a un collega (attività aperta)", "a colleague has the follow-up task"),
}

STYLE = ("<style>.outreach table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
         ".outreach th,.outreach td{border:1px solid #ddd;padding:4px 6px;text-align:left;font-size:14px}"
         ".outreach th{background:#f4f4f4}.outreach form{display:inline}</style>")


def reason_label(reason: str | None, lang: str) -> str:
    """A skip reason for the console in Italian (``it``) or English; unknown codes as they are, "" for none."""
    if not reason:
        return ""
    pair = REASONS.get(reason)
    return pair[0 if lang == "it" else 1] if pair else reason


@lru_cache(maxsize=1)
def _model_cached(mtime: float) -> Any:
    from bot.outreach import propensity

    return propensity.load()


def _scores(session: Session, debtor_ids: set[int]) -> Mapping[int, Any]:
    from bot.outreach import propensity

    if not debtor_ids or not propensity.MODEL_PATH.exists():
        return {}
    model = _model_cached(propensity.MODEL_PATH.stat().st_mtime)
    return propensity.predict_proba(model, session, debtor_ids, datetime.utcnow().date())


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _csrf(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token)}">' if token else ""


def _when(moment: datetime | None, lang: str) -> str:
    """A stored (naive UTC) moment in the creditor's time zone, in the page language."""
    from bot.handoff.labels import moment as local_moment
    return local_moment(moment, lang)


def _group_unconfigured(rows: list[OutboxMessage], lang: str, t: Mapping[str, str]) -> list[list[str]]:
    """One row per channel for messages skipped because the channel is not configured: a
    deployment without SMS would otherwise list every SMS reminder on its own line."""
    groups: dict[str, list[OutboxMessage]] = {}
    for row in rows:
        groups.setdefault(row.channel or "-", []).append(row)
    out = []
    for channel, items in sorted(groups.items()):
        days = sorted(str(r.send_on) for r in items)
        span = days[0] if days[0] == days[-1] else f"{days[0]} – {days[-1]}"
        out.append([escape(span), escape(f"{len(items)} {t['message'] if len(items) == 1 else t['messages']}"), escape(", ".join(sorted({r.step for r in items}))),
                    escape(channel), escape(", ".join(sorted({r.status for r in items}))),
                    escape(reason_label("channel_not_configured", lang))])
    return out


def render_outreach_page(session: Session, lang: str, csrf_token: str = "",
                         config: OutreachConfig | None = None, inline_style: bool = True) -> str:
    """The page body; ``inline_style=False`` where the console's stylesheet styles it."""
    lang = "en" if lang == "en" else "it"
    t = TEXTS[lang]
    config = config or get_outreach_config()
    names = dict(session.execute(select(Debtor.id, Debtor.name)).all())

    def who(row: OutboxMessage) -> str:
        return escape(names.get(row.debtor_id, str(row.debtor_id)))

    def where(row: OutboxMessage) -> str:
        return escape(f"{row.channel or '-'} {mask_text(row.address or '')}")

    def rows_with(*statuses: str, newest_first: bool = True) -> list[OutboxMessage]:
        order = OutboxMessage.send_after.desc() if newest_first else OutboxMessage.send_after
        return list(session.execute(select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
                                    .order_by(order, OutboxMessage.id).limit(ROW_LIMIT)).scalars())

    scheduled = rows_with("queued", "claimed", "sending", newest_first=False)
    scores = _scores(session, {r.debtor_id for r in scheduled})

    def factors(row: OutboxMessage) -> str:
        from bot.outreach.propensity import describe_factor

        score = scores.get(row.debtor_id)
        return escape(", ".join(describe_factor(n, c) for n, c in score.factors)) if score else ""

    def p30(row: OutboxMessage) -> str:
        score = scores.get(row.debtor_id)
        return f"{score.p30:.2f}" if score else ("" if row.propensity is None else f"{row.propensity:.2f}")

    parts = [STYLE if inline_style else "", f'<section class="outreach"><h2>{escape(t["title"])}</h2>']
    parts.append(f"<h3>{escape(t['pauses'])}</h3>")
    pauses = session.execute(select(OutreachPause).where(OutreachPause.lifted_at.is_(None))
                             .order_by(OutreachPause.id)).scalars().all()
    parts.append(_table([t["scope"], t["campaign"] + " / " + t["debtor"], t["note"], ""], [
        [escape(p.scope), escape(p.campaign or names.get(p.debtor_id, "")), escape(p.reason or ""),
         f'<form method="post" action="{RESUME_URL}">{_csrf(csrf_token)}'
         f'<input type="hidden" name="pause_id" value="{p.id}"><button type="submit">{escape(t["resume"])}</button></form>']
        for p in pauses], t["none"]))
    options = "".join(f'<option value="{escape(s.name)}">{escape(s.name)}</option>' for s in config.steps)
    parts.append(
        f'<form method="post" action="{PAUSE_URL}">{_csrf(csrf_token)}<input type="hidden" name="scope" value="campaign">'
        f'<label>{escape(t["campaign"])} <select name="campaign"><option value="all">{escape(t["all"])}</option>{options}'
        f'</select></label> <input name="reason" placeholder="{escape(t["note"])}"> '
        f'<button type="submit">{escape(t["pause"])}</button></form><br>'
        f'<form method="post" action="{PAUSE_URL}">{_csrf(csrf_token)}<input type="hidden" name="scope" value="debtor">'
        f'<label>{escape(t["debtor_ref"])} <input name="debtor_ref" required></label> '
        f'<input name="reason" placeholder="{escape(t["note"])}"> <button type="submit">{escape(t["pause"])}</button></form>')
    parts.append(f"<h3>{escape(t['schedule'])}</h3>")
    parts.append(_table([t["when"], t["debtor"], t["step"], t["channel"], t["variant"], t["p30"], t["factors"]], [
        [escape(_when(r.send_after, lang)), who(r), escape(r.step), where(r), escape(r.variant), p30(r),
         factors(r)] for r in scheduled], t["none"]))
    parts.append(f"<h3>{escape(t['sent'])}</h3>")
    parts.append(_table([t["when"], t["debtor"], t["step"], t["channel"], t["variant"], t["provider"]], [
        [escape(_when(r.sent_at, lang)), who(r), escape(r.step), where(r),
         escape(r.variant), escape(r.provider_message_id or "")] for r in rows_with("sent")], t["none"]))
    parts.append(f"<h3>{escape(t['skipped'])}</h3>")
    not_sent = rows_with("skipped", "failed")
    unconfigured = [r for r in not_sent if r.skip_reason == "channel_not_configured"]
    parts.append(_table([t["when"], t["debtor"], t["step"], t["channel"], t["status"], t["reason"]], [
        [escape(f"{r.send_on}"), who(r), escape(r.step), where(r), escape(r.status),
         escape(reason_label(r.skip_reason, lang))] for r in not_sent if r.skip_reason != "channel_not_configured"]
        + _group_unconfigured(unconfigured, lang, t), t["none"]))
    parts.append("</section>")
    return "".join(parts)


# --- pause / resume --------------------------------------------------------------------
def _audit(session: Session, actor: str, action: str, pause: OutreachPause) -> None:
    session.add(AuditLog(actor=actor, action=action, entity="outreach_pause", entity_id=str(pause.id),
                         details=json.dumps({"scope": pause.scope, "campaign": pause.campaign,
                                             "debtor_id": pause.debtor_id})))


def pause_campaign(session: Session, campaign: str, actor: str, reason: str = "",
                   config: OutreachConfig | None = None, creditor_id: str = DEFAULT_CREDITOR) -> OutreachPause:
    """Pause a step (or ``all``) and audit it; flushes, the caller commits. ValueError for an unknown step."""
    config = config or get_outreach_config()
    if campaign != "all" and config.step(campaign) is None:
        raise ValueError(f"unknown campaign {campaign!r}")
    pause = OutreachPause(creditor_id=creditor_id, scope="campaign", campaign=campaign, reason=reason[:200] or None,
                          created_by=actor[:64])
    session.add(pause)
    session.flush()
    _audit(session, actor, "outreach.paused", pause)
    return pause


def pause_debtor(session: Session, debtor_ref: str, actor: str, reason: str = "",
                 creditor_id: str = DEFAULT_CREDITOR) -> OutreachPause:
    """Pause all outreach to one debtor and audit it; flushes, the caller commits. ValueError for an unknown ref."""
    debtor = session.execute(select(Debtor).where(Debtor.creditor_id == creditor_id,
                                                  Debtor.debtor_ref == debtor_ref.strip())).scalar_one_or_none()
    if debtor is None:
        raise ValueError(f"unknown customer {debtor_ref!r}")
    pause = OutreachPause(creditor_id=creditor_id, scope="debtor", debtor_id=debtor.id, reason=reason[:200] or None,
                          created_by=actor[:64])
    session.add(pause)
    session.flush()
    _audit(session, actor, "outreach.paused", pause)
    return pause


def resume_pause(session: Session, pause_id: int, actor: str) -> OutreachPause:
    """Lift an active pause and audit it; the caller commits. ValueError if missing or already lifted."""
    pause = session.get(OutreachPause, pause_id)
    if pause is None or pause.lifted_at is not None:
        raise ValueError(f"no active pause {pause_id}")
    pause.lifted_at, pause.lifted_by = datetime.utcnow(), actor[:64]
    _audit(session, actor, "outreach.resumed", pause)
    return pause


def handle_pause_form(session: Session, form: Mapping[str, str], actor: str) -> OutreachPause:
    """``POST /console/outreach/pause``. Raises ValueError (show it, change nothing) on bad input."""
    scope = (form.get("scope") or "").strip()
    reason = (form.get("reason") or "").strip()
    if scope == "campaign":
        return pause_campaign(session, (form.get("campaign") or "all").strip(), actor, reason)
    if scope == "debtor":
        return pause_debtor(session, form.get("debtor_ref") or "", actor, reason)
    raise ValueError("scope must be 'campaign' or 'debtor'")


def handle_resume_form(session: Session, form: Mapping[str, str], actor: str) -> OutreachPause:
    """``POST /console/outreach/resume``."""
    try:
        pause_id = int(form.get("pause_id") or "")
    except ValueError as exc:
        raise ValueError("pause_id must be a number") from exc
    return resume_pause(session, pause_id, actor)
