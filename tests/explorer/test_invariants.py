"""Each invariant on hand-made transcripts: one that keeps the rule, one that breaks it.

The assistant's lines are the real phrases of bot/messages/templates, so a wording change
that blinds an invariant makes these tests fail.
"""
from __future__ import annotations

from tests.explorer import invariants as inv
from tests.explorer.invariants import Turn

WELCOME_IT = ("Buongiorno, sono l'assistente virtuale di Aurora Servizi S.p.A.: un servizio automatico, "
              "non una persona.")
WELCOME_EN = "Hello, I'm the virtual assistant of Aurora Servizi S.p.A.: an automated service, not a person."
ASK_INVOICE = "Per proteggere i Suoi dati, mi indica il numero della fattura? Lo trova sul documento che ha ricevuto."
ASK_CODE_EN = "Thank you. Now could you give me the tax code (codice fiscale) or VAT number of the invoice holder?"
VERIFIED_IT = "Grazie, Mario Rossi: ho verificato la Sua identità."
VERIFIED_EN = "Thank you, John Smith: your identity is confirmed."
BALANCE = "Ecco il riepilogo: l'importo ancora da saldare è di 1.240,50 €."
ANYTHING_ELSE = "Is there anything else I can help you with?"
NPS_EN = "One last thing: on a scale from 0 to 10, how likely are you to recommend handling payments this way?"
AGENT = [{"title": "Talk to a person", "payload": "/request_human"}]


def msg(text: str, buttons: list[dict] | None = None) -> dict:
    return {"text": text, "buttons": buttons or []}


def turn(user: str, *messages: dict | str) -> Turn:
    return Turn(user, [m if isinstance(m, dict) else msg(m) for m in messages])


HAPPY = [
    turn("quanto devo?", msg(WELCOME_IT, AGENT), ASK_INVOICE),
    turn("FT-2026/00417", "Grazie. Ora mi indica il codice fiscale o la partita IVA dell'intestatario della fattura?"),
    turn("RSSMRA85T10A562S", VERIFIED_IT, BALANCE),
    turn("grazie", "Posso aiutarLa in qualcos'altro?"),
    turn("no grazie", msg("Un'ultima cosa: da 0 a 10, quanto consiglierebbe ad altri di gestire i pagamenti?",
                          [{"title": str(i), "payload": f'/inform{{"nps_score":{i}}}'} for i in range(11)])),
]


def test_the_happy_path_keeps_every_rule():
    assert inv.check(HAPPY) == {}


def test_an_amount_before_verification_is_a_leak():
    leak = [turn("quanto devo?", msg(WELCOME_IT, AGENT), "L'importo ancora da saldare è di 1.240,50 €.")]
    assert inv.no_debt_before_verification(leak)
    assert not inv.no_debt_before_verification(HAPPY)


def test_an_example_amount_and_the_public_iban_are_not_a_leak():
    fine = [turn("come pago?", "Può pagare con bonifico bancario:\nIBAN: IT60X0542811101000000123456"),
            turn("boh", "Non ho capito l'importo. Può scriverlo in cifre, ad esempio 150 oppure 150,50 €?")]
    assert not inv.no_debt_before_verification(fine)
    personal = [turn("come pago?", "IBAN: IT60X0542811101000000123456\nCausale: FT-2026/00417 D-1001")]
    assert inv.no_debt_before_verification(personal)


def test_credentials_asked_again_after_verification():
    again = [turn("INV-88213 SMTJHN82C14Z114S", VERIFIED_EN), turn("how much?", ASK_CODE_EN)]
    assert inv.credentials_asked_once(again)
    assert not inv.credentials_asked_once([turn("how much?", ASK_CODE_EN), turn("X", VERIFIED_EN)])


def test_the_welcome_twice_in_a_session():
    twice = [turn("hi", WELCOME_EN), turn("hello", WELCOME_EN)]
    assert inv.welcome_once(twice)
    challenge = [turn("hi", WELCOME_EN), turn("are you a bot?", "Yes, I'm the virtual assistant of Aurora.")]
    assert not inv.welcome_once(challenge)


def test_two_questions_in_one_turn():
    two = [turn("100", "Non ho capito l'importo. Può scriverlo in cifre?", "Quanto pensa di pagare?")]
    assert inv.one_question_per_turn(two)
    # The standing "talk to a person" button is not a question; offer buttons are.
    assert not inv.one_question_per_turn([turn("hi", msg(WELCOME_EN, AGENT), "How can I help?")])
    offer = [{"title": "Plan", "payload": '/inform{"choice":"plan"}'}]
    assert inv.one_question_per_turn([turn("x", msg("Choose below.", offer), "What is the invoice number?")])


def test_the_same_message_three_times_in_a_row():
    three = [turn("a", ANYTHING_ELSE), turn("b", ANYTHING_ELSE), turn("c", ANYTHING_ELSE)]
    assert inv.no_triple_repeat(three)
    assert not inv.no_triple_repeat(three[:2] + [turn("c", NPS_EN)])


def test_silence_before_a_handoff_but_not_after():
    assert inv.always_replies([turn("hi", WELCOME_EN), turn("100 a month")])
    handed = [turn("a person", "I've passed the conversation to a colleague, who will reply to you here."),
              turn("hello?")]
    assert not inv.always_replies(handed)


def test_a_finished_journey_closes_with_the_nps_question():
    no_nps = [turn("INV-88213 SMTJHN82C14Z114S", VERIFIED_EN, ANYTHING_ELSE),
              turn("no thanks", "Thank you and have a good day.")]
    assert inv.ends_with_nps(no_nps)
    assert not inv.ends_with_nps(no_nps[:1] + [turn("no thanks", NPS_EN)])
    opted_out = no_nps + [turn("stop", "Done: we won't send you any more messages on SMS.")]
    assert not inv.ends_with_nps(opted_out)


EXPIRED = Turn(inv.EXPIRED, [])
BACK_IT = [turn("quanto devo?", ASK_INVOICE), turn("FT-2026/00417 RSSMRA85T10A562S", VERIFIED_IT, BALANCE)]


def test_after_an_expired_session_the_identity_is_asked_again_and_the_welcome_may_come_again() -> None:
    transcript = HAPPY[:3] + [EXPIRED, turn("salve", msg(WELCOME_IT, AGENT), "Come posso aiutarLa?")] + BACK_IT
    for rule in inv.INVARIANTS.values():
        assert rule(transcript) == [], rule.__name__


def test_a_debt_shown_after_an_expired_session_before_verifying_again_is_caught() -> None:
    transcript = HAPPY[:3] + [EXPIRED, turn("quanto devo?", BALANCE)]
    [found] = inv.no_debt_before_verification(transcript)
    assert found.startswith("turn 4:"), "numbered as in the whole transcript"
    assert inv.no_debt_before_verification(HAPPY[:3] + [turn("quanto devo?", BALANCE)]) == []


def test_two_welcomes_in_one_session_are_still_caught_around_an_expiry() -> None:
    twice = [turn("salve", msg(WELCOME_IT, AGENT)), turn("ciao", msg(WELCOME_IT, AGENT))]
    assert inv.welcome_once(HAPPY[:1] + [EXPIRED] + twice)
    assert inv.credentials_asked_once(HAPPY[:3] + [EXPIRED] + BACK_IT) == []
    assert inv.credentials_asked_once(HAPPY[:3] + BACK_IT[:1])
