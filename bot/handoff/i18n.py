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


# Navigation, lists, assignment and roles.
_MORE: dict[str, dict[str, str]] = {
    "it": {
        "skip": "Vai al contenuto", "nav": "Sezioni", "nav_queue": "Coda", "nav_tasks": "Attività",
        "nav_debtors": "Debitori", "nav_dashboard": "Indicatori", "nav_outreach": "Promemoria",
        "nav_payments": "Pagamenti", "nav_audit": "Registro accessi", "nav_privacy": "Privacy",
        "nav_inbound": "Non recapitati", "nav_canned": "Risposte pronte", "nav_agents": "Operatori",
        "role_agent": "operatore", "role_supervisor": "supervisore", "role_admin": "amministratore",
        "views": "Elenchi", "view_mine": "Le mie", "view_unassigned": "Da assegnare", "view_open": "Tutte aperte",
        "view_closed": "Chiuse", "empty_mine": "Non ha conversazioni in carico.",
        "empty_unassigned": "Nessuna conversazione in attesa.", "empty_open": "Nessuna conversazione aperta.",
        "empty_closed": "Nessuna conversazione chiusa.", "search": "Cerca",
        "search_hint": "Nome, fattura, telefono, codice fiscale", "any": "Tutti", "apply": "Filtra",
        "clear": "Azzera filtri", "waiting_since": "In attesa da", "last_debtor": "Ultimo msg. cliente",
        "actions": "Azioni", "prio_0": "Normale", "prio_5": "Alta", "prio_10": "Urgente",
        "release": "Rimetti in coda", "transfer_to": "Trasferisci a", "choose_agent": "— scelga un collega —",
        "transfer": "Trasferisci", "choose_outcome": "— scelga l'esito —",
        "confirm_close": "Confermo la chiusura: il cliente verrà avvisato.", "due": "scad.",
        "lang_it": "italiano", "lang_en": "inglese",
        "e_forbidden": "Questa pagina non è disponibile per il suo ruolo.",
        "e_limit": "Limite di conversazioni aperte raggiunto: ne chiuda o ne rimetta in coda una.",
        "e_bad_agent": "Collega non trovato o disattivato.", "e_same_agent": "La conversazione è già sua.",
        "e_confirm_close": "Scelga l'esito e confermi la chiusura.",
        "ok_released": "Conversazione rimessa in coda.", "ok_transferred": "Conversazione trasferita.",
        "assignment": "Assegnazione", "ending": "Conclusione",
        "notify_on": "Notifiche: attive", "notify_off": "Notifiche: disattivate",
        "notify_blocked": "Notifiche bloccate dal browser: le consenta nelle impostazioni del sito.",
        "notify_queue": "Nuova conversazione in coda", "notify_message": "Nuovo messaggio da un cliente",
        "shortcuts": "Scorciatoie da tastiera", "shortcuts_button": "Scorciatoie (?)",
        "key_take": "Prendi in carico (la prima in coda, o quella aperta)", "key_reply": "Vai alla casella di risposta",
        "key_send": "Invia la risposta (nella casella di risposta)", "key_leave": "Esci dalla casella di testo",
        "key_handback": "Restituisci al bot", "key_help": "Mostra questo elenco", "key_close": "Chiudi questo elenco",
        "shortcuts_note": "Le lettere non agiscono mentre si scrive in un campo di testo.",
    },
    "en": {
        "skip": "Skip to content", "nav": "Sections", "nav_queue": "Queue", "nav_tasks": "Tasks",
        "nav_debtors": "Debtors", "nav_dashboard": "Dashboard", "nav_outreach": "Outreach",
        "nav_payments": "Payments", "nav_audit": "Audit", "nav_privacy": "Privacy",
        "nav_inbound": "Undelivered", "nav_canned": "Canned replies", "nav_agents": "Agents",
        "role_agent": "agent", "role_supervisor": "supervisor", "role_admin": "admin",
        "views": "Lists", "view_mine": "Mine", "view_unassigned": "Unassigned", "view_open": "All open",
        "view_closed": "Closed", "empty_mine": "You hold no conversation.",
        "empty_unassigned": "No conversation is waiting.", "empty_open": "No open conversation.",
        "empty_closed": "No closed conversation.", "search": "Search",
        "search_hint": "Name, invoice, phone, tax code", "any": "Any", "apply": "Filter", "clear": "Clear filters",
        "waiting_since": "Waiting for", "last_debtor": "Last customer msg.", "actions": "Actions",
        "prio_0": "Normal", "prio_5": "High", "prio_10": "Urgent", "release": "Put back in the queue",
        "transfer_to": "Transfer to", "choose_agent": "— choose a colleague —", "transfer": "Transfer",
        "choose_outcome": "— choose the outcome —",
        "confirm_close": "I confirm the close: the customer will be told.", "due": "due",
        "lang_it": "Italian", "lang_en": "English",
        "e_forbidden": "This page is not available for your role.",
        "e_limit": "Open-conversation limit reached: close one or put one back in the queue.",
        "e_bad_agent": "Colleague not found or disabled.", "e_same_agent": "The conversation is already theirs.",
        "e_confirm_close": "Choose the outcome and confirm the close.",
        "ok_released": "Conversation put back in the queue.", "ok_transferred": "Conversation transferred.",
        "assignment": "Assignment", "ending": "Ending",
        "notify_on": "Notifications: on", "notify_off": "Notifications: off",
        "notify_blocked": "Notifications are blocked by the browser: allow them in the site settings.",
        "notify_queue": "New conversation in the queue", "notify_message": "New message from a debtor",
        "shortcuts": "Keyboard shortcuts", "shortcuts_button": "Shortcuts (?)",
        "key_take": "Take (the first one waiting, or the one open)", "key_reply": "Go to the reply box",
        "key_send": "Send the reply (in the reply box)", "key_leave": "Leave the text box",
        "key_handback": "Hand back to the bot", "key_help": "Show this list", "key_close": "Close this list",
        "shortcuts_note": "Letter keys do nothing while you type in a text field.",
    },
}


def _merge() -> None:
    from bot.handoff.labels import _TEXT  # reasons and channels: one wording for lists and pages

    for lang, table in UI.items():
        table.update(_MORE[lang])
        table.update({f"r_{k}": v for k, v in _TEXT[lang]["reason"].items()})
        table.update({f"ch_{k}": v for k, v in _TEXT[lang]["channel"].items()})


_merge()


def ui(lang: str) -> dict[str, str]:
    """The console wording for ``lang``; Italian for a language the console does not have."""
    return UI.get(lang, UI["it"])


def message(lang: str, code: str) -> str:
    """The translated text of an error or success code; the code itself when it has no wording."""
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
