"""Which language the debtor is writing in (docs/architecture.md §5.3).

A closed list of very frequent words is enough to tell Italian from English in this domain
and it cannot fail on short or misspelt messages: when a message carries no signal (a
number, an invoice code, "ok") the conversation keeps its current language.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\s,.;:!?()\"]+")
_LETTERS = re.compile(r"^[a-zà-ÿ']+$")

ITALIAN = frozenset("""
ciao buongiorno buonasera salve grazie prego si sì no non nn ho ha hai abbiamo sono siamo è e' e
il lo la le gli i un una uno del della dei delle di da in con per su tra fra che chi cosa come
quando dove perché perche xke quanto quanti devo posso possiamo potrei vorrei voglio pagare
pagato pagamento pagherò paghero rate rata rateizzare fattura fatture importo soldi euro mese
mesi fine lavoro difficoltà difficolta operatore persona parlare sbagliata contestare bonifico
già gia ancora domani venerdì venerdi lunedì lunedi settimana mio mia nostro nostra società
societa codice fiscale conto mi ti ci vi gentile cortesemente buona giornata scusi scusate
va bene certo d'accordo esatto niente nulla basta smettete messaggi scrivermi più piu
""".split())

ENGLISH = frozenset("""
hi hello hey good morning afternoon evening thanks thank you yes yeah no not i i'm im we we're
the a an of to in on at for with by from is are was were be been have has had do does did can
could would should will shall my our your it this that what how when where why which who owe
pay paid payment instalments installments invoice invoices amount money month months end job
lost difficulty person agent human speak talk wrong dispute transfer already still tomorrow
friday monday week company tax code account please kind regards sorry stop messages me bye
okay sure fine right nothing anymore more much many can't cannot don't won't
""".split())


def _scores(text: str) -> tuple[int, int]:
    # Only whole alphabetic tokens: letters inside codes ("RSSMRA85T10…") say nothing.
    words = [t for t in _TOKEN.findall((text or "").lower()) if _LETTERS.match(t) and (len(t) > 1 or t == "è")]
    return sum(1 for w in words if w in ITALIAN), sum(1 for w in words if w in ENGLISH)


def has_signal(text: str) -> bool:
    """Whether the message itself says which language it is in (a bare code or number does not)."""
    it_score, en_score = _scores(text)
    return it_score != en_score


def detect_language(text: str, current: str | None = None, hint: str | None = None) -> str:
    """'it' or 'en' for this message; ties keep the conversation's language."""
    it_score, en_score = _scores(text)
    if it_score > en_score:
        return "it"
    if en_score > it_score:
        return "en"
    for candidate in (current, hint):
        if candidate in ("it", "en"):
            return candidate
    return "it"
