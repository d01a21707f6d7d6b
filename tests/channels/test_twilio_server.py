"""WhatsApp and SMS webhooks on a real server; replies through a fake Twilio API on loopback."""
from __future__ import annotations

import itertools
import json

from twilio.request_validator import RequestValidator

from tests.channels.conftest import TW_TOKEN, settle
from tests.channels.helpers import opted_out, transcript_of

_sids = itertools.count(1)
WA_NUMBER = "+393331234567"
SMS_NUMBER = "+393339876543"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def wa_params(body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    return {"From": f"whatsapp:{WA_NUMBER}", "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0",
            "MessageSid": sid or f"SM{next(_sids):032d}", "AccountSid": "AC" + "0" * 32, **extra}


def sms_params(body: str, sid: str | None = None, **extra: str) -> dict[str, str]:
    return {"From": SMS_NUMBER, "To": "+15005550006", "Body": body, "NumMedia": "0",
            "MessageSid": sid or f"SM{next(_sids):032d}", **extra}


async def post(http, server, kind: str, params: dict[str, str], signature: str | None = "sign"):
    url = f"{server.url}/webhooks/{kind}/webhook"
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = RequestValidator(TW_TOKEN).compute_signature(url, params)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return await http.post(url, data=params, headers=headers)


async def test_unsigned_or_forged_requests_are_refused(server, http, app_db):
    assert (await post(http, server, "whatsapp", wa_params("ciao"), signature=None)).status_code == 401
    forged = RequestValidator("not-the-token").compute_signature(f"{server.url}/webhooks/sms/webhook", sms_params("x"))
    assert (await post(http, server, "sms", sms_params("ciao"), signature=forged)).status_code == 403
    # A valid signature over different parameters does not cover a tampered body.
    params = wa_params("ciao")
    good = RequestValidator(TW_TOKEN).compute_signature(f"{server.url}/webhooks/whatsapp/webhook", params)
    assert (await post(http, server, "whatsapp", {**params, "Body": "altro"}, signature=good)).status_code == 403
    await settle(lambda: True)
    assert server.agent.received == [] and server.twilio_api.messages() == []
    assert transcript_of(app_db, f"wa:{WA_NUMBER}") == []


async def test_signed_whatsapp_gets_empty_twiml_and_reply_with_quick_replies(server, http, app_db):
    response = await post(http, server, "whatsapp", wa_params("/greet"))
    assert response.status_code == 200 and response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("text/xml")
    await settle(lambda: server.twilio_api.messages())
    [message] = server.agent.received
    assert message.sender_id == f"wa:{WA_NUMBER}" and message.metadata["channel"] == "whatsapp"
    [content] = server.twilio_api.sent("Content")
    assert len(content["types"]["twilio/quick-reply"]["actions"]) == 2
    [sent] = server.twilio_api.messages()
    assert sent["To"] == f"whatsapp:{WA_NUMBER}" and sent["From"] == "whatsapp:+14155238886"
    variables = json.loads(sent["ContentVariables"])
    assert variables == {"1": "Benvenuto, sono l'assistente virtuale.", "2": "Sì", "3": "No",
                         "4": "/affirm", "5": "/deny"}
    assert sent["ContentSid"].startswith("HX")


async def test_quick_reply_tap_sends_its_payload(server, http, app_db):
    await post(http, server, "whatsapp", wa_params("Sì", ButtonPayload="/affirm", ButtonText="Sì"))
    await settle(lambda: server.twilio_api.messages())
    assert server.agent.texts() == ["/affirm"]
    assert transcript_of(app_db, f"wa:{WA_NUMBER}")[0] == ("debtor", "Sì")


async def test_more_than_three_choices_become_a_numbered_list_and_numbers_are_understood(server, http):
    await post(http, server, "whatsapp", wa_params("plans"))
    await settle(lambda: server.twilio_api.messages())
    body = server.twilio_api.messages()[0]["Body"]
    assert "1. 1 rate da 100 euro" in body and "4. 4 rate da 25 euro" in body
    await post(http, server, "whatsapp", wa_params("2"))
    await settle(lambda: len(server.twilio_api.messages()) == 2)
    assert server.agent.texts()[-1] == '/inform{"choice":"2"}'


async def test_same_message_sid_twice_is_answered_once(server, http):
    params = wa_params("ciao")
    for _ in range(2):
        assert (await post(http, server, "whatsapp", params)).status_code == 200
    await settle(lambda: server.twilio_api.messages())
    assert len(server.agent.received) == 1 and len(server.twilio_api.messages()) == 1


async def test_sms_numbered_options_and_nps_numbers_stay_scores(server, http):
    await post(http, server, "sms", sms_params("/greet"))
    await settle(lambda: server.twilio_api.messages())
    sent = server.twilio_api.messages()[0]
    assert sent["To"] == SMS_NUMBER and sent["Body"].endswith("1. Sì\n2. No")
    await post(http, server, "sms", sms_params("2"))
    await settle(lambda: len(server.twilio_api.messages()) == 2)
    assert server.agent.texts()[-1] == "/deny"
    await post(http, server, "sms", sms_params("nps"))
    await settle(lambda: len(server.twilio_api.messages()) == 3)
    await post(http, server, "sms", sms_params("7"))
    await settle(lambda: len(server.twilio_api.messages()) == 4)
    assert server.agent.texts()[-1] == '/inform{"nps_score":7}', "7 is the score, not the seventh option"


async def test_long_sms_reply_is_split_within_1600(server, http):
    await post(http, server, "sms", sms_params("long"))
    await settle(lambda: len(server.twilio_api.messages()) >= 4)
    bodies = [m["Body"] for m in server.twilio_api.messages()]
    assert all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies) == ("Una frase di prova. " * 250).strip()


async def test_stop_and_start_are_handled_without_the_model(server, http, app_db):
    await post(http, server, "sms", sms_params("STOP"))
    await settle(lambda: server.twilio_api.messages())
    assert opted_out(app_db, "sms", SMS_NUMBER) is True
    await post(http, server, "whatsapp", wa_params("arresta"))
    await settle(lambda: len(server.twilio_api.messages()) == 2)
    assert opted_out(app_db, "whatsapp", WA_NUMBER) is True
    await post(http, server, "sms", sms_params("START"))
    await post(http, server, "sms", sms_params("Help"))
    await settle(lambda: len(server.twilio_api.messages()) == 4)
    assert opted_out(app_db, "sms", SMS_NUMBER) is False
    bodies = [m["Body"] for m in server.twilio_api.messages()]
    assert bodies[0].startswith("<opt_out_confirmed|") and "channel_label=SMS" in bodies[0]
    assert bodies[1].startswith("<opt_out_confirmed|it|")
    assert bodies[2].startswith("<opt_in_confirmed|") and bodies[3].startswith("<help_keywords|")
    assert server.agent.received == []


async def test_media_only_and_5000_characters_get_polite_replies(server, http):
    await post(http, server, "whatsapp", wa_params("", NumMedia="1", MediaUrl0="https://example.test/a.jpg",
                                                    MediaContentType0="image/jpeg"))
    await settle(lambda: server.twilio_api.messages())
    await post(http, server, "sms", sms_params("x" * 5000))
    await settle(lambda: len(server.twilio_api.messages()) == 2)
    bodies = [m["Body"] for m in server.twilio_api.messages()]
    assert bodies[0].startswith("<unsupported_media|") and bodies[1].startswith("<too_long|")
    assert server.agent.received == []


async def test_temporary_twilio_failures_are_retried_and_the_reply_is_not_lost(server, http):
    server.twilio_api.fail_next("Messages", 500, {"code": 20500, "message": "Internal error"}, times=2)
    await post(http, server, "sms", sms_params("ciao"))
    await settle(lambda: server.twilio_api.messages())
    assert [c.method for c in server.twilio_api.calls] == ["Messages:failed", "Messages:failed", "Messages"]
    assert server.twilio_api.messages()[0]["Body"] == "echo: ciao"


async def test_permanent_failure_is_logged_in_the_transcript(server, http, app_db):
    server.twilio_api.fail_next("Messages", 400, {"code": 21610, "message": "unsubscribed recipient"})
    await post(http, server, "sms", sms_params("ciao"))
    # The reply outbox gives up at once on a refusal and notes it in the transcript.
    await settle(lambda: len(transcript_of(app_db, f"sms:{SMS_NUMBER}")) == 3)
    assert [c.method for c in server.twilio_api.calls] == ["Messages:failed"]
    rows = transcript_of(app_db, f"sms:{SMS_NUMBER}")
    assert rows[1] == ("bot", "echo: ciao")
    assert rows[2][0] == "system" and "21610" in rows[2][1]


async def test_not_configured_answers_503(server, http, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.delenv("TWILIO_SMS_FROM")
    get_settings.cache_clear()
    assert (await post(http, server, "sms", sms_params("ciao"))).status_code == 503
    assert (await post(http, server, "whatsapp", wa_params("ciao"))).status_code == 200
