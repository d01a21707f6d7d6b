"""Whether an open answer praises or complains, in Italian and English.

A theme about the payment link mixes "the link worked straight away" with "il link ha dato
errore" unless the opinion is read too. The score alone cannot say it: a promoter may
criticise one thing and a detractor praise the agent. So the text decides, from a small
bilingual opinion lexicon with negation ("non erano invadenti", "not clear") and contrast
("gentile ma non ha risolto nulla": what follows "ma"/"but" weighs more); the score only
breaks ties. Cheap on purpose: one pass over the folded tokens per comment.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from bot.nps.textnorm import fold

Polarity = Literal["positive", "negative", "neutral"]

_WORD = re.compile(r"[a-z]+")

# Surface forms (folded); stems are not used so that "capito" (+) and "capiva" stay apart.
_POSITIVE = """
gentile gentili gentilissimo gentilissima gentilezza cortese cortesi disponibile disponibili
paziente pazienza competente preparata preparato professionale empatica empatico umana umano
comprensiva comprensivo simpatico bravo brava bravi bravissima bravissimo ottimo ottima ottimi
perfetto perfetta perfette benissimo bene benone buono buona utile utili utilissimo comodo comoda
comode comodi semplice semplici facile facili veloce veloci rapido rapida rapidi subito chiaro
chiara chiare chiari chiarissimo chiarissima chiarezza trasparente precise precisa preciso
rispettoso rispettosi rispettose rispetto discreti discreto garbato educato carino puntuale
puntuali sostenibile sostenibili flessibile flessibili ragionevole salvezza grazie apprezzo
apprezzato funzionato funziona respiro soddisfatto contento contenta squisita ascoltato
kind kindly polite friendly helpful patient brilliant lovely professional respectful respected
great excellent perfect good fine nice easy simple quick quickly fast smooth clear clearly
transparent precise affordable flexible fair reasonable convenient handy timely discreet
worked works working straight right useful impressive smart thanks thank appreciated
manageable lifesaver happy glad listened understood capito capisce giusto giusta help helps helped salvato salvata saved
aiutano aiutato aiuta ascolta modo
"""
_NEGATIVE = """
scortese scortesi sgarbato maleducato maleducazione arrogante arroganza antipatica antipatico
frettolosa frettoloso sbrigativo scocciato freddo distaccato inutile inutili pessimo pessima
pessime brutto male malissimo errore errori sbagliato sbagliata sbagliate problema problemi
lento lenta lenti lentissimo lunghissima lunga tardi rifiutata rifiutato
bloccato bloccata confuso confusa confusione incomprensibile vago vaghe vaga contraddittorie
troppo troppi troppe troppa insistenti insistente insistenza assillanti invadenti raffica
snervante stufato ansia pressione stress stressato minacciato minaccioso vergognoso assurdo
impossibile rigido rigida alta alte alto care caro pesante negata negato deluso delusa peccato
frustrante casino niente nulla basta esagerati stalking fischi colpa
rude impolite unfriendly unhelpful dismissive arrogant cold distant useless terrible awful bad
poor wrong error errors failed fail fails failing broken declined slow slowly late long
 confusing confused unclear vague contradictory incomprehensible jargon pushy
intrusive stressful anxious bombarded too impossible rigid expensive heavy expected
disappointed frustrating nothing guilty threatening shameful stuck nobody never many frequent high
frequenti often spesso continui continue constant
"""
_NEGATORS = frozenset("non no nessun nessuna nessuno mai senza poco poca pochi not no never without nobody hardly "
                       "don didn doesn couldn wasn weren isn aren won".split())
# "non ha risolto nulla" is still a complaint: these stay negative whatever precedes them.
_ALWAYS = frozenset("niente nulla nothing".split())
_CONTRAST = frozenset("ma pero tuttavia but however although though".split())


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, int]:
    words = {w: 1 for w in fold(_POSITIVE).split()}
    words.update({w: -1 for w in fold(_NEGATIVE).split()})
    return words


def opinion_words() -> frozenset[str]:
    """Folded words that carry an opinion (kept out of the subject of a theme)."""
    return frozenset(_lexicon())


def text_polarity(text: str) -> float:
    """Signed opinion strength of ``text``: > 0 praise, < 0 complaint, 0 none found."""
    return folded_polarity(fold(text))


def folded_polarity(folded: str) -> float:
    """``text_polarity`` of a text already passed through ``fold`` (the report folds each
    distinct answer once and reads subject and opinion from the same string)."""
    lexicon = _lexicon()
    total = 0.0
    weight = 1.0
    negate_left = 0
    for word in _WORD.findall(folded):
        if word in _CONTRAST:
            weight = 1.6       # what follows "ma"/"but" is what the debtor means
            negate_left = 0
            continue
        if word in _NEGATORS:
            negate_left = 4
            continue
        value = lexicon.get(word)
        if value is not None:
            total += weight * (value if word in _ALWAYS or not negate_left else -value)
            negate_left = 0
        elif negate_left:
            negate_left -= 1
    return total


def polarity(text: str, score: int | None = None) -> Polarity:
    """The opinion of one answer; the score (0-10) decides only when the text is balanced."""
    value = text_polarity(text) if text else 0.0
    if value > 0:
        return "positive"
    if value < 0:
        return "negative"
    if score is None:
        return "neutral"
    return "positive" if score >= 9 else "negative" if score <= 6 else "neutral"
