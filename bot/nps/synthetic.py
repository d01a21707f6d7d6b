"""Synthetic NPS answers for demos and benchmarks, composed from many small fragments.

Each comment = optional opener + one or two theme clauses (subject x verb phrase x detail)
+ optional closing, in Italian or English, with a polarity that follows the score. The
combinatorics give hundreds of thousands of distinct sentences, so theme extraction is
exercised on realistic variety rather than on a handful of repeated strings.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

# theme -> language -> polarity -> (subjects, predicates, details)
Fragments = dict[str, dict[str, dict[str, tuple[tuple[str, ...], ...]]]]

THEMES: Fragments = {
    "instalments": {
        "it": {
            "+": (("la rateizzazione", "il piano di rientro", "la possibilità di pagare a rate", "il piano a rate"),
                  ("è stata comoda", "mi ha salvato", "è sostenibile", "è stata flessibile", "mi ha aiutato molto"),
                  ("con rate mensili leggere", "in dodici rate", "con una rata che posso pagare", "")),
            "-": (("le rate proposte", "il piano di rientro", "la rata mensile", "il numero di rate"),
                  ("era troppo alta", "non era sostenibile", "era poco flessibile", "non mi permette di respirare"),
                  ("vorrei più rate", "servirebbe una rata più bassa", "chiedo rate più piccole", "")),
        },
        "en": {
            "+": (("the instalment plan", "the payment plan", "paying in instalments", "the monthly plan"),
                  ("was convenient", "really helped", "is affordable", "was flexible"),
                  ("with small monthly instalments", "over twelve instalments", "at an amount I can manage", "")),
            "-": (("the instalments offered", "the payment plan", "the monthly instalment", "the number of instalments"),
                  ("was too high", "was not affordable", "was not flexible", "was too rigid"),
                  ("I need more instalments", "smaller instalments please", "a lower instalment would help", "")),
        },
    },
    "agent": {
        "it": {
            "+": (("l'operatore", "l'operatrice", "la persona che mi ha risposto", "il consulente"),
                  ("è stato gentile", "è stata gentilissima", "è stato cortese e disponibile", "mi ha ascoltato"),
                  ("e molto competente", "senza giudicarmi", "e paziente", "")),
            "-": (("l'operatore", "l'operatrice", "il consulente", "la persona al telefono"),
                  ("è stato scortese", "non mi ha ascoltato", "era sbrigativo", "è stata poco disponibile"),
                  ("e poco gentile", "e maleducato", "senza empatia", "")),
        },
        "en": {
            "+": (("the agent", "the operator", "the person I spoke to", "your advisor"),
                  ("was kind", "was very kind and polite", "was helpful", "listened to me"),
                  ("and very patient", "without judging me", "and friendly", "")),
            "-": (("the agent", "the operator", "the advisor", "the person on the phone"),
                  ("was rude", "did not listen", "was dismissive", "was unhelpful"),
                  ("and unkind", "and impolite", "with no empathy", "")),
        },
    },
    "messages": {
        "it": {
            "-": (("i messaggi", "i solleciti", "le notifiche", "gli sms"),
                  ("sono troppi", "arrivano troppo spesso", "sono insistenti", "mi arrivano ogni giorno"),
                  ("troppi messaggi", "anche la sera", "su whatsapp e sms", "")),
            "+": (("i promemoria", "i messaggi", "gli avvisi"),
                  ("sono arrivati al momento giusto", "erano discreti", "non erano invadenti"),
                  ("prima della scadenza", "senza pressione", "")),
        },
        "en": {
            "-": (("the messages", "the reminders", "the notifications", "the texts"),
                  ("are too many", "come too often", "are pushy", "arrive every day"),
                  ("too many messages", "even in the evening", "on whatsapp and sms", "")),
            "+": (("the reminders", "the messages", "the notifications"),
                  ("came at the right time", "were discreet", "were not intrusive"),
                  ("before the due date", "without pressure", "")),
        },
    },
    "clarity": {
        "it": {
            "+": (("le informazioni", "la spiegazione del saldo", "il riepilogo delle fatture"),
                  ("erano chiare", "sono state chiare e precise", "erano semplici da capire"),
                  ("con tutti gli importi", "e trasparenti", "")),
            "-": (("le informazioni", "l'importo", "il dettaglio delle fatture"),
                  ("non erano chiare", "era confuso", "non si capiva"),
                  ("non ho capito cosa devo pagare", "mancavano le date", "")),
        },
        "en": {
            "+": (("the information", "the balance explanation", "the invoice summary"),
                  ("was clear", "was clear and precise", "was easy to understand"),
                  ("with every amount", "and transparent", "")),
            "-": (("the information", "the amount", "the invoice breakdown"),
                  ("was unclear", "was confusing", "made no sense"),
                  ("I did not understand what to pay", "the dates were missing", "")),
        },
    },
    "speed": {
        "it": {
            "+": (("la chat", "l'assistente", "il servizio", "la procedura"),
                  ("è stata veloce", "è stato rapido", "è stata semplice e veloce", "ha risolto subito"),
                  ("in pochi minuti", "senza telefonate", "anche di sera", "")),
            "-": (("l'attesa", "la risposta", "la procedura"),
                  ("è stata lunghissima", "è arrivata tardi", "era lenta"),
                  ("ho aspettato un'ora", "troppa attesa", "")),
        },
        "en": {
            "+": (("the chat", "the assistant", "the service", "the process"),
                  ("was fast", "was quick", "was quick and simple", "solved it right away"),
                  ("in a few minutes", "without phone calls", "even in the evening", "")),
            "-": (("the wait", "the reply", "the process"),
                  ("was very long", "came late", "was slow"),
                  ("I waited an hour", "too much waiting", "")),
        },
    },
    "bot": {
        "it": {
            "-": (("il chatbot", "l'assistente virtuale", "il bot"),
                  ("non capiva le mie domande", "rispondeva a caso", "non mi ha capito"),
                  ("volevo parlare con una persona", "ho dovuto ripetere tutto", "")),
        },
        "en": {
            "-": (("the chatbot", "the virtual assistant", "the bot"),
                  ("did not understand my questions", "gave random answers", "misunderstood me"),
                  ("I wanted a real person", "I had to repeat everything", "")),
        },
    },
    "payment": {
        "it": {
            "+": (("il link di pagamento", "il bonifico", "il pagamento con l'iban"),
                  ("ha funzionato subito", "è stato semplice", "è stato comodo"),
                  ("con la causale già pronta", "dal telefono", "")),
            "-": (("il link di pagamento", "il pagamento", "l'iban"),
                  ("non funzionava", "ha dato errore", "era sbagliato"),
                  ("ho dovuto pagare in banca", "la carta è stata rifiutata", "")),
        },
        "en": {
            "+": (("the payment link", "the bank transfer", "paying by iban"),
                  ("worked straight away", "was easy", "was convenient"),
                  ("with the reference ready", "from my phone", "")),
            "-": (("the payment link", "the payment", "the iban"),
                  ("did not work", "failed", "was wrong"),
                  ("I had to go to the bank", "my card was declined", "")),
        },
    },
}

OPENERS = {"it": ("", "", "Sinceramente", "Nel complesso", "Devo dire che", "Purtroppo", "Beh,", "In generale"),
           "en": ("", "", "Honestly", "Overall", "I must say", "Unfortunately", "Well,", "In general")}
CLOSINGS = {"+": {"it": ("", "", "Grazie!", "Lo consiglierei.", "Ottimo lavoro.", "Continuate così."),
                  "en": ("", "", "Thanks!", "I would recommend it.", "Great job.", "Keep it up.")},
            "-": {"it": ("", "", "Deluso.", "Da migliorare.", "Non lo consiglierei.", "Peccato."),
                  "en": ("", "", "Disappointed.", "Needs work.", "Would not recommend.", "Shame.")}}
# Circumstances people add ("per la fattura di marzo", "after 3 reminders"): they make answers
# as varied as real ones (a bench set of a few thousand repeated strings would flatter the
# per-distinct-text caches) without changing what the answer is about.
CONTEXTS = {
    "it": ("per la fattura di {month}", "per {amount} euro", "dopo {n} giorni", "dopo {n} solleciti",
           "per una bolletta di {amount} euro", "già a {month}", "nella pratica di {month}", "in {n} minuti",
           "dal {day} {month}", "per un debito di {amount} euro", "con {n} fatture aperte", "la settimana del {day}"),
    "en": ("for the {month} invoice", "for {amount} euros", "after {n} days", "after {n} reminders",
           "on a bill of {amount} euros", "back in {month}", "since {day} {month}", "in {n} minutes",
           "for a debt of {amount} euros", "with {n} open invoices", "in the week of the {day}th"),
}
MONTHS = {"it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                 "ottobre", "novembre", "dicembre"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December")}
JOINERS = {"it": (" e ", ", inoltre ", ". Anche ", "; però "), "en": (" and ", ", also ", ". Also ", "; but ")}

# Which themes a score tends to talk about: detractors complain about pressure and rigidity.
NEGATIVE_THEMES = ("instalments", "messages", "agent", "bot", "clarity", "speed", "payment")
POSITIVE_THEMES = ("instalments", "agent", "speed", "clarity", "payment", "messages")
NEGATIVE_WEIGHTS = (4, 5, 2, 3, 2, 2, 1)
POSITIVE_WEIGHTS = (4, 4, 3, 2, 1, 1)


@dataclass(frozen=True)
class Comment:
    text: str
    themes: tuple[str, ...]


def _clause(rng: random.Random, theme: str, lang: str, polarity: str) -> str:
    by_polarity = THEMES[theme][lang]
    subjects, predicates, details = by_polarity.get(polarity) or next(iter(by_polarity.values()))
    parts = [rng.choice(subjects), rng.choice(predicates), rng.choice(details)]
    return " ".join(p for p in parts if p)


def _pick_theme(rng: random.Random, polarity: str) -> str:
    if polarity == "-":
        return rng.choices(NEGATIVE_THEMES, NEGATIVE_WEIGHTS)[0]
    return rng.choices(POSITIVE_THEMES, POSITIVE_WEIGHTS)[0]


def make_comment(rng: random.Random, score: int, lang: str) -> Comment:
    """A plausible open answer for ``score`` in ``lang`` (it|en)."""
    polarity = "-" if score <= 6 else "+" if score >= 9 else rng.choice("+-")
    first = _pick_theme(rng, polarity)
    themes = [first]
    text = _clause(rng, first, lang, polarity)
    if rng.random() < 0.3:
        second = _pick_theme(rng, polarity)
        if second != first:
            themes.append(second)
            text += rng.choice(JOINERS[lang]) + _clause(rng, second, lang, polarity)
    if rng.random() < 0.92:
        context = rng.choice(CONTEXTS[lang]).format(month=rng.choice(MONTHS[lang]), amount=rng.randint(20, 4000),
                                                    n=rng.randint(2, 60), day=rng.randint(1, 28))
        text += (", " if rng.random() < 0.5 else " ") + context
    opener = rng.choice(OPENERS[lang])
    text = f"{opener} {text}" if opener else text
    text = text[0].upper() + text[1:]
    closing = rng.choice(CLOSINGS[polarity][lang])
    text = f"{text.rstrip('.')}." + (f" {closing}" if closing else "")
    return Comment(text, tuple(themes))


def make_score(rng: random.Random, mood: float = 0.0) -> int:
    """A score from a skewed distribution; ``mood`` in -1..1 shifts it (e.g. by outcome)."""
    base = rng.choices(range(11), (3, 1, 2, 2, 3, 5, 6, 9, 13, 17, 16))[0]
    return max(0, min(10, round(base + mood * 3 + rng.uniform(-0.5, 0.5))))
