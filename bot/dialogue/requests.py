"""Which request came with the credentials, when the NLU read the whole message as ``inform``.

"vorrei pagare a rate, fattura FT-2026/00417 codice fiscale RSSMRA85T10A562S" is classified
``inform``: the invoice number and the tax code outweigh the few words of the request. The
credentials are verified at once (actions/verifying_form.py ``VerifyCredentials``); this
module finds the request in the words around them, so the journey starts right after the
verification instead of "How can I help?". Balance questions have their own check
(``extract.asks_for_balance``). Plain phrases only: a miss falls back to asking.
"""
from __future__ import annotations

import re

# First match wins: a dispute or a claimed payment outranks a plan mentioned in passing
# ("ho già pagato, perché mi chiedete le rate?"), hardship outranks a plan it leads to.
_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("dispute", re.compile(
        r"\b(contest\w*|non\s+(?:è|e)\s+mi[ao]|non\s+la\s+riconosco|non\s+riconosco|importo\s+(?:errato|sbagliato)"
        r"|fattura\s+(?:errata|sbagliata)|disput\w*|not\s+mine|wrong\s+amount|never\s+received|non\s+ho\s+mai\s+ricevuto)")),
    ("already_paid", re.compile(
        r"\b(gi(?:à|a)\s+pagat\w*|ho\s+(?:gi(?:à|a)\s+)?(?:pagato|saldato|fatto\s+(?:il\s+)?bonifico)"
        r"|already\s+paid|i\s+(?:have\s+)?paid|paid\s+(?:it|already))\b")),
    ("payment_difficulty", re.compile(
        r"\b(non\s+(?:ce\s+la\s+faccio|riesco\s+a\s+pagare|posso\s+pagare)|difficolt\w*|perso\s+il\s+lavoro"
        r"|can'?t\s+(?:afford|pay)|cannot\s+(?:afford|pay)|lost\s+my\s+job|struggl\w*)")),
    ("request_plan", re.compile(
        r"\b(rate|rata|rateizz\w*|a\s+rate|piano\s+di\s+(?:rientro|rate|pagamento)|dilazion\w*"
        r"|instal?l?ments?|payment\s+plan|repayment\s+plan|pay\s+in\s+(?:parts|stages))\b")),
    ("promise_to_pay", re.compile(
        r"\b(pagher(?:ò|o)|salder(?:ò|o)|verser(?:ò|o)|will\s+pay|i'?ll\s+pay|promise\s+to\s+pay"
        r"|(?:posso|potrei|riesco\s+a)\s+pagare\s+(?:il|entro|a\s+fine|fra|tra|domani|dopodomani|venerd|luned"
        r"|marted|mercoled|gioved|sabato|la\s+prossima|il\s+prossimo)"
        r"|(?:can|could)\s+pay\s+(?:on|by|next|tomorrow|at\s+the\s+end|in\s+\d))")),
    ("request_invoice_copy", re.compile(
        r"\b(copia|duplicato|reinvi\w*|copy\s+of|send\s+(?:me\s+)?(?:the|a)\s+(?:copy|invoice))\b")),
)


def requested_journey(text: str) -> str | None:
    """The journey intent a message asks for besides its credentials; None when it asks none."""
    lowered = (text or "").lower()
    return next((intent for intent, cue in _CUES if cue.search(lowered)), None)
