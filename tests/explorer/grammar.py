"""A seeded grammar of how debtors talk to the assistant, in Italian and English.

``generate(seed, index)`` builds one conversation script: a journey (balance, plan, promise,
already paid, dispute, hardship, payment methods, a person, opt-out) plus the ways people
actually get there - credentials before, inside or after the request, in one message or two;
typos and missing accents; a change of mind; a digression inside a form; "non lo so"; a
language switch; buttons pressed or their title typed; the same message sent twice; silence,
then a return after the session expired.
The same (seed, index) always gives the same script, so a failing run is reproducible.

Some steps depend on what the bot just offered (``Button``): they are resolved by the driver
against the buttons of the previous reply.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

# The demo ledger (bot/ledger/demo.py): real invoice numbers and their holders' tax codes,
# so verification can succeed.
DEBTORS = {
    "it": [("FT-2026/00417", "RSSMRA85T10A562S"), ("2026/1187", "BNCLRA90A41H501F"),
           ("FT-2025/02291", "SPSGPP68L22F839P"), ("FT-2026/00388", "RMNFNC79D45L219Z"),
           ("FT-2026/00611", "MRTCHR95P70A944A"), ("2026/0931", "04178520153"),
           ("A/2026/000153", "02983160488"), ("FT-2026/00733", "09315740721")],
    "en": [("INV-88213", "SMTJHN82C14Z114S"), ("INV-88407", "CLRMLY88S42Z114R"),
           ("INV-88655", "BRNSNE75H17Z116V"), ("INV-2026-0042", "05628100587")],
}

JOURNEYS = ("balance", "plan", "promise", "already_paid", "dispute", "hardship", "payment_methods",
            "human", "opt_out")

REQUESTS: dict[str, dict[str, list[str]]] = {
    "it": {
        "balance": ["quanto devo pagare?", "qual è il mio saldo?", "vorrei sapere quanto devo", "quanto mi resta da pagare?"],
        "plan": ["vorrei pagare a rate", "posso rateizzare?", "è possibile un piano di rate?"],
        "promise": ["pagherò la prossima settimana", "posso pagare venerdì prossimo", "pago entro fine mese"],
        "already_paid": ["ho già pagato", "ho già fatto il bonifico", "ho pagato la settimana scorsa"],
        "dispute": ["vorrei contestare la fattura", "questa fattura è sbagliata", "non ho mai ricevuto la merce"],
        "hardship": ["ho perso il lavoro, non riesco a pagare", "sono in difficoltà economica", "non ce la faccio a pagare"],
        "payment_methods": ["come posso pagare?", "qual è l'iban?", "come faccio a pagare?"],
        "human": ["voglio parlare con un operatore", "mi passi una persona", "vorrei parlare con qualcuno"],
        "opt_out": ["non scrivetemi più", "STOP", "non voglio più ricevere messaggi"],
    },
    "en": {
        "balance": ["how much do I owe?", "what's my balance?", "I'd like to know how much I owe"],
        "plan": ["can I pay in instalments?", "I'd like a payment plan", "can I spread the payments?"],
        "promise": ["I will pay next week", "I can pay next Friday", "I'll pay by the end of the month"],
        "already_paid": ["I already paid", "I've already made the transfer", "I paid last week"],
        "dispute": ["I want to dispute this invoice", "this invoice is wrong", "the goods never arrived"],
        "hardship": ["I lost my job and I can't pay", "I'm in financial difficulty", "I can't afford to pay"],
        "payment_methods": ["how can I pay?", "what's the IBAN?", "how do I pay?"],
        "human": ["I want to speak to a person", "can I talk to an agent?", "put me through to someone"],
        "opt_out": ["stop messaging me", "STOP", "I don't want any more messages"],
    },
}

GREETINGS = {"it": ["Buongiorno", "salve", "ciao", "buonasera"], "en": ["Hello", "hi", "good morning"]}
DONT_KNOW = {"it": ["non lo so", "boh", "non saprei"], "en": ["I don't know", "not sure", "no idea"]}
CLOSE = {"it": ["no grazie, è tutto", "no grazie", "niente, va bene così"], "en": ["no thanks, that's all", "no thanks", "that's all"]}
YES = {"it": ["sì, confermo", "sì", "va bene"], "en": ["yes, confirm", "yes", "ok"]}
MONTHLY = {"it": ["150 euro al mese", "100 euro al mese", "200 al mese"], "en": ["150 euros a month", "100 a month", "200 per month"]}
PAID_DATE = {"it": ["il 3 del mese scorso", "la settimana scorsa"], "en": ["last week", "on the 3rd of last month"]}
PROMISE_DATE = {"it": ["venerdì prossimo", "il 30 di questo mese"], "en": ["next Friday", "on the 30th of this month"]}
REASON = {"it": ["l'importo è sbagliato", "non ho mai ricevuto la merce"], "en": ["the amount is wrong", "the goods never arrived"]}
NPS_REASON = {"it": ["chiaro e gentile", "veloce"], "en": ["quick and clear", "helpful"]}


@dataclass(frozen=True)
class Say:
    """A message the debtor types."""
    text: str


@dataclass(frozen=True)
class Button:
    """Answer one of the buttons of the previous reply: press it (its payload) or type its title."""
    pick: int
    typed: bool


@dataclass(frozen=True)
class Answer:
    """Answer whatever the bot just asked (an amount, a date, a reference, a button...), as a debtor would.

    ``typed`` decides whether a button is pressed or its title typed; ``variant`` picks the wording.
    """
    typed: bool
    variant: int


@dataclass(frozen=True)
class Expire:
    """The debtor goes quiet for longer than a session lasts, then comes back (the driver ages the tracker)."""


Step = Say | Button | Answer | Expire

# What the bot asks (phrases of bot/messages/templates) -> what the debtor answers.
ANSWERS: list[tuple[tuple[str, ...], dict[str, list[str]]]] = [
    (("importo mensile", "monthly amount"), MONTHLY),
    (("Quanto pensa di pagare", "How much are you planning", "Quale importo ha pagato", "How much did you pay"),
     {"it": ["100 euro", "100"], "en": ["100 euros", "100"]}),
    (("Entro quale data", "By what date"), PROMISE_DATE),
    (("In che data", "On what date"), PAID_DATE),
    (("CRO o TRN", "CRO or TRN"), {"it": ["non ce l'ho", "CRO 12345678901"], "en": ["none", "TRN 12345678901"]}),
    (("qualche dettaglio", "add any detail"), {"it": ["no"], "en": ["no"]}),
    (("Conferma questo piano", "Do you confirm this plan"), YES),
]


@dataclass
class Script:
    """One generated conversation: what the debtor will send, and how it was built."""
    seed: int
    index: int
    language: str
    journey: str
    traits: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def sender(self) -> str:
        """A sender id of its own, so parallel conversations never share a tracker."""
        return f"explore-{self.seed}-{self.index}"


def strip_accents(text: str) -> str:
    """'è' -> 'e': how people type on a phone in a hurry."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent letters in one longer word (never in a credential)."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def _credentials(rng: random.Random, language: str) -> tuple[str, str]:
    invoice, code = rng.choice(DEBTORS[language])
    if rng.random() < 0.2:
        invoice, code = invoice.lower(), code.lower()  # case must not matter
    return invoice, code


def _follow_up(journey: str, lang: str, rng: random.Random, traits: list[str]) -> list[Step]:
    """What the debtor answers once verified, journey by journey."""
    pick = lambda options: rng.choice(options)  # noqa: E731
    typed = rng.random() < 0.5
    if journey == "plan":
        steps: list[Step] = []
        if rng.random() < 0.3:
            traits.append("digression")
            steps.append(Say(pick(REQUESTS[lang]["payment_methods"])))
        if rng.random() < 0.25:
            traits.append("dont_know")
            steps.append(Say(pick(DONT_KNOW[lang])))
        traits.append("typed_button" if typed else "pressed_button")
        return steps + [Say(pick(MONTHLY[lang])), Button(0, typed), Answer(typed, rng.randrange(4))]
    if journey in ("promise", "already_paid", "dispute", "hardship", "balance"):
        if journey != "balance":
            traits.append("typed_button" if typed else "pressed_button")
        return [Answer(typed, rng.randrange(4)) for _ in range(4)]
    return []


def generate(seed: int, index: int) -> Script:
    """The conversation number ``index`` of the run seeded ``seed``."""
    rng = random.Random(f"{seed}:{index}")
    lang = rng.choice(("it", "en"))
    journey = JOURNEYS[index % len(JOURNEYS)] if rng.random() < 0.5 else rng.choice(JOURNEYS)
    script = Script(seed, index, lang, journey)
    traits, steps = script.traits, script.steps
    request = rng.choice(REQUESTS[lang][journey])
    if rng.random() < 0.25:
        traits.append("no_accents")
        request = strip_accents(request)
    if rng.random() < 0.2:
        traits.append("typo")
        request = typo(request, rng)
    if rng.random() < 0.4:
        first = GREETINGS[lang]
        if rng.random() < 0.3:
            traits.append("language_switch")
            first = GREETINGS["en" if lang == "it" else "it"]
        steps.append(Say(rng.choice(first)))
    invoice, code = _credentials(rng, lang)
    needs_verification = journey not in ("human", "opt_out", "payment_methods")
    if journey == "hardship":
        # The hardship offer comes before verification: choose, then give the credentials.
        steps.append(Say(request))
        traits.append("typed_button" if rng.random() < 0.5 else "pressed_button")
        steps.append(Button(rng.choice((1, 2)), traits[-1] == "typed_button"))
        steps += [Say(invoice), Say(code)] + [Answer(traits[-1] == "typed_button", rng.randrange(4))
                                              for _ in range(3)]
    elif needs_verification:
        where = rng.choice(("before", "inside", "after", "after_one"))
        traits.append(f"credentials_{where}")
        if rng.random() < 0.2:
            traits.append("change_of_mind")
            other = rng.choice([j for j in ("balance", "plan", "payment_methods") if j != journey])
            steps.append(Say(rng.choice(REQUESTS[lang][other])))
        if where == "before":
            # Sometimes with a greeting in front: "Buongiorno, FT-2026/00417 RSSMRA85T10A562S".
            hello = f"{rng.choice(GREETINGS[lang])}, " if rng.random() < 0.3 else ""
            steps += [Say(f"{hello}{invoice} {code}"), Say(request)]
        elif where == "inside":
            steps.append(Say(f"{request} {invoice} {code}"))
        elif where == "after":
            steps += [Say(request), Say(invoice), Say(code)]
        else:
            steps += [Say(request), Say(f"{invoice} {code}")]
    else:
        steps.append(Say(request))
    if journey != "hardship":
        steps += _follow_up(journey, lang, rng, traits)
    if rng.random() < 0.15 and steps:
        traits.append("twice")
        i = rng.randrange(len(steps))
        if isinstance(steps[i], Say):
            steps.insert(i + 1, steps[i])
    if journey not in ("human", "opt_out") and rng.random() < 0.12:
        # Back after the session expired: nothing is known any more, the identity is asked again.
        traits.append("session_expired")
        steps += [Expire(), Say(rng.choice(REQUESTS[lang]["balance"])), Say(f"{invoice} {code}")]
    if journey not in ("human", "opt_out"):
        steps.append(Say(rng.choice(CLOSE[lang])))
    return script
