"""Console UI wording, Italian and English (the debtor-facing wording is in bot.messages)."""
from __future__ import annotations

UI: dict[str, dict[str, str]] = {
    "it": {
        "title": "Console operatori", "login": "Accedi", "logout": "Esci", "username": "Utente",
        "password": "Password", "queue": "Coda", "dashboard": "Indicatori", "language": "Lingua",
        "empty_queue": "Nessuna conversazione in attesa.", "waiting": "in attesa da", "minutes": "min",
        "take": "Prendi in carico", "open": "Apri", "taken_by": "in carico a", "vulnerable": "vulnerabile",
        "after_hours": "fuori orario", "priority": "Priorità", "channel": "Canale", "reason": "Motivo",
        "status": "Stato", "conversation": "Conversazione", "summary": "Riepilogo", "transcript": "Trascrizione",
        "reply": "Rispondi", "send": "Invia", "reply_placeholder": "Scriva al cliente…",
        "note": "Nota interna", "add_note": "Aggiungi nota", "note_placeholder": "Visibile solo ai colleghi",
        "hand_back": "Restituisci al bot", "hand_back_nps": "Restituisci al bot con sondaggio NPS",
        "close": "Chiudi", "outcome": "Esito", "quick_actions": "Azioni rapide",
        "promise": "Registra promessa", "amount": "Importo (€)", "date": "Data",
        "plan": "Crea piano", "sustainable": "Rata sostenibile (€)", "instalments": "N. rate",
        "show_options": "Mostra proposte", "choose": "Scegli", "dispute": "Segna contestazione",
        "invoice": "Fattura", "dispute_reason": "Motivo della contestazione", "opt_out": "Opt-out canale",
        "confirm_opt_out": "Il cliente non riceverà più messaggi su questo canale. Confermare?",
        "debtor": "cliente", "bot": "assistente", "agent": "operatore", "system": "nota",
        "queued": "in coda", "assigned": "in carico", "returned": "restituita", "closed": "chiusa",
        "expired": "scaduta", "not_verified_hint": "Cliente non verificato: azioni sul conto non disponibili.",
        "no_dashboard": "Il cruscotto degli indicatori non è disponibile.", "back": "Torna alla coda",
        "live": "aggiornamento in tempo reale", "open_invoices": "Fatture aperte",
        "o_resolved": "Risolta", "o_promise": "Promessa di pagamento", "o_plan": "Piano di rientro",
        "o_dispute": "Contestazione", "o_callback": "Richiamata", "o_no_answer": "Nessuna risposta",
        "o_other": "Altro",
        "e_login": "Utente o password non validi.", "e_locked": "Troppi tentativi: riprovi tra qualche minuto.",
        "e_csrf": "Sessione scaduta: ricarichi la pagina.", "e_taken": "Già presa in carico da un collega.",
        "e_not_found": "Conversazione non trovata.", "e_not_assigned": "La conversazione non è in carico.",
        "e_other_agent": "La conversazione è in carico a un collega.", "e_empty": "Il testo è vuoto.",
        "e_too_long": "Il testo è troppo lungo (max 2000 caratteri).", "e_bad_outcome": "Esito non valido.",
        "e_delivery": "Messaggio non consegnato: riprovi.", "e_not_verified": "Cliente non verificato.",
        "e_bad_amount": "Importo non valido.", "e_bad_date": "Data non valida (entro il limite consentito).",
        "e_over_balance": "Importo superiore al saldo.", "e_nothing_due": "Nessun importo da pagare.",
        "e_bad_choice": "Proposta non valida.", "e_bad_invoice": "Fattura non trovata per questo cliente.",
        "e_resume": "Conversazione restituita, ma il bot non ha risposto: verificare.",
        "ok_promise_recorded": "Promessa registrata.", "ok_plan_recorded": "Piano registrato.",
        "ok_dispute_recorded": "Contestazione registrata.", "ok_opt_out_recorded": "Opt-out registrato.",
        "ok_taken_ok": "Conversazione presa in carico.", "ok_sent": "Messaggio inviato.",
        "ok_noted": "Nota aggiunta.", "ok_returned": "Conversazione restituita al bot.",
        "ok_closed": "Conversazione chiusa.", "ok_options": "Proposte calcolate.",
    },
    "en": {
        "title": "Agent console", "login": "Log in", "logout": "Log out", "username": "Username",
        "password": "Password", "queue": "Queue", "dashboard": "KPIs", "language": "Language",
        "empty_queue": "No conversation is waiting.", "waiting": "waiting for", "minutes": "min",
        "take": "Take", "open": "Open", "taken_by": "taken by", "vulnerable": "vulnerable",
        "after_hours": "after hours", "priority": "Priority", "channel": "Channel", "reason": "Reason",
        "status": "Status", "conversation": "Conversation", "summary": "Summary", "transcript": "Transcript",
        "reply": "Reply", "send": "Send", "reply_placeholder": "Write to the customer…",
        "note": "Internal note", "add_note": "Add note", "note_placeholder": "Only colleagues see this",
        "hand_back": "Hand back to the bot", "hand_back_nps": "Hand back to the bot with the NPS survey",
        "close": "Close", "outcome": "Outcome", "quick_actions": "Quick actions",
        "promise": "Record promise", "amount": "Amount (€)", "date": "Date",
        "plan": "Create plan", "sustainable": "Sustainable instalment (€)", "instalments": "Instalments",
        "show_options": "Show options", "choose": "Choose", "dispute": "Mark dispute",
        "invoice": "Invoice", "dispute_reason": "Reason for the dispute", "opt_out": "Channel opt-out",
        "confirm_opt_out": "The customer will receive no more messages on this channel. Confirm?",
        "debtor": "customer", "bot": "assistant", "agent": "agent", "system": "note",
        "queued": "queued", "assigned": "assigned", "returned": "returned", "closed": "closed",
        "expired": "expired", "not_verified_hint": "Customer not verified: account actions are unavailable.",
        "no_dashboard": "The KPI dashboard is not available.", "back": "Back to the queue",
        "live": "live updates", "open_invoices": "Open invoices",
        "o_resolved": "Resolved", "o_promise": "Promise to pay", "o_plan": "Repayment plan",
        "o_dispute": "Dispute", "o_callback": "Callback", "o_no_answer": "No answer", "o_other": "Other",
        "e_login": "Invalid username or password.", "e_locked": "Too many attempts: try again in a few minutes.",
        "e_csrf": "Session expired: reload the page.", "e_taken": "Already taken by a colleague.",
        "e_not_found": "Conversation not found.", "e_not_assigned": "The conversation is not taken.",
        "e_other_agent": "A colleague holds this conversation.", "e_empty": "The text is empty.",
        "e_too_long": "The text is too long (max 2000 characters).", "e_bad_outcome": "Invalid outcome.",
        "e_delivery": "Message not delivered: try again.", "e_not_verified": "Customer not verified.",
        "e_bad_amount": "Invalid amount.", "e_bad_date": "Invalid date (must be within the allowed limit).",
        "e_over_balance": "Amount above the balance.", "e_nothing_due": "Nothing to pay.",
        "e_bad_choice": "Invalid option.", "e_bad_invoice": "Invoice not found for this customer.",
        "e_resume": "Handed back, but the bot did not answer: please check.",
        "ok_promise_recorded": "Promise recorded.", "ok_plan_recorded": "Plan recorded.",
        "ok_dispute_recorded": "Dispute recorded.", "ok_opt_out_recorded": "Opt-out recorded.",
        "ok_taken_ok": "Conversation taken.", "ok_sent": "Message sent.",
        "ok_noted": "Note added.", "ok_returned": "Conversation handed back to the bot.",
        "ok_closed": "Conversation closed.", "ok_options": "Options computed.",
    },
}


def ui(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["it"])


def message(lang: str, code: str) -> str:
    table = ui(lang)
    return table.get(f"e_{code}") or table.get(f"ok_{code}") or code


def flash(lang: str, code: str, ok: bool) -> str | None:
    """Text for a flash code taken from the URL; ``None`` unless the code is one of ours.

    ``?msg=`` may name a success or (after a plain-form refusal) an error code; ``?err=``
    only error codes. Free text in the URL is never echoed into the page.
    """
    table = ui(lang)
    keys = (f"ok_{code}", f"e_{code}") if ok else (f"e_{code}",)
    return next((table[k] for k in keys if k in table), None)
