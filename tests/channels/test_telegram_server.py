"""Telegram webhook on a real server, replies through a fake Bot API on loopback."""
from __future__ import annotations

import itertools

from bot.channels import telegram
from tests.channels.conftest import TG_SECRET, settle
from tests.channels.helpers import transcript_of

_ids = itertools.count(1000)
CHAT = 555001


def text_update(text: str, chat_id: int = CHAT, chat_type: str = "private", update_id: int | None = None) -> dict:
    return {"update_id": update_id or next(_ids), "message": {
        "message_id": next(_ids), "date": 1_700_000_000, "text": text,
        "chat": {"id": chat_id, "type": chat_type},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Mario", "language_code": "it"}}}


async def post(http, server, update: dict, secret: str | None = TG_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await http.post(f"{server.url}/webhooks/telegram/webhook", json=update, headers=headers)


async def test_forged_or_missing_secret_is_refused_and_reaches_nothing(server, http, app_db):
    assert (await post(http, server, text_update("ciao"), secret="wrong")).status_code == 403
    assert (await post(http, server, text_update("ciao"), secret=None)).status_code == 401
    await settle(lambda: True)
    assert server.agent.received == []
    assert server.telegram_api.sent("sendMessage") == []
    assert transcript_of(app_db, f"tg:{CHAT}") == []


async def test_text_reaches_dialogue_and_reply_goes_through_bot_api(server, http, app_db):
    response = await post(http, server, text_update("quanto devo?"))
    assert response.status_code == 200
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    [message] = server.agent.received
    assert message.sender_id == f"tg:{CHAT}" and message.input_channel == "telegram"
    assert message.metadata == {"channel": "telegram", "language_hint": "it"}
    [sent] = server.telegram_api.sent("sendMessage")
    assert sent["chat_id"] == str(CHAT) and sent["text"] == "echo: quanto devo?"
    assert transcript_of(app_db, f"tg:{CHAT}") == [("debtor", "quanto devo?"), ("bot", "echo: quanto devo?")]


async def test_same_update_twice_is_answered_once(server, http):
    update = text_update("ciao")
    for _ in range(2):
        assert (await post(http, server, update)).status_code == 200
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    assert len(server.agent.received) == 1
    assert len(server.telegram_api.sent("sendMessage")) == 1


async def test_start_deep_link_carries_the_invoice_and_buttons_become_inline_keyboard(server, http, app_db):
    payload = telegram.start_payload("FT-2026/00417")
    await post(http, server, text_update(f"/start {payload}"))
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    [message] = server.agent.received
    assert message.text == "/greet"
    assert message.metadata["link_invoice"] == "FT-2026/00417"
    [sent] = server.telegram_api.sent("sendMessage")
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [["Sì"], ["No"]]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


async def test_button_tap_is_answered_and_its_payload_reaches_dialogue(server, http, app_db):
    tap = {"update_id": next(_ids), "callback_query": {
        "id": "cbq-1", "chat_instance": "ci", "data": "/affirm",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Mario", "language_code": "it"},
        "message": {"message_id": 77, "date": 1_700_000_000, "chat": {"id": CHAT, "type": "private"},
                    "text": "Conferma?", "reply_markup": {"inline_keyboard": [
                        [{"text": "Sì", "callback_data": "/affirm"}], [{"text": "No", "callback_data": "/deny"}]]}}}}
    await post(http, server, tap)
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    assert server.telegram_api.sent("answerCallbackQuery")[0]["callback_query_id"] == "cbq-1"
    assert server.telegram_api.sent("editMessageReplyMarkup"), "the old keyboard is removed"
    assert server.agent.texts() == ["/affirm"]
    assert transcript_of(app_db, f"tg:{CHAT}")[0] == ("debtor", "Sì")


async def test_long_reply_is_split_at_4096(server, http):
    await post(http, server, text_update("long"))
    await settle(lambda: len(server.telegram_api.sent("sendMessage")) >= 2)
    texts = server.telegram_api.texts()
    assert len(texts) == 2 and all(len(t) <= 4096 for t in texts)
    assert " ".join(texts) == ("Una frase di prova. " * 250).strip()


async def test_rate_limit_retry_after_is_respected(server, http):
    server.telegram_api.fail_next("sendMessage", 429, {"ok": False, "error_code": 429,
                                                       "description": "Too Many Requests",
                                                       "parameters": {"retry_after": 1}})
    await post(http, server, text_update("ciao"))
    await settle(lambda: server.telegram_api.sent("sendMessage"))
    assert [c.method for c in server.telegram_api.calls if c.method.startswith("sendMessage")] == \
        ["sendMessage:failed", "sendMessage"]


async def test_group_chats_are_ignored(server, http, app_db):
    await post(http, server, text_update("quanto devo?", chat_id=-100123, chat_type="group"))
    await settle(lambda: True)
    assert server.agent.received == [] and server.telegram_api.sent("sendMessage") == []


async def test_media_only_gets_polite_reply_and_too_long_text_is_refused(server, http, app_db):
    photo = text_update("x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]
    await post(http, server, photo)
    await settle(lambda: len(server.telegram_api.sent("sendMessage")) == 1)
    await post(http, server, text_update("a" * 5000))
    await settle(lambda: len(server.telegram_api.sent("sendMessage")) == 2)
    texts = server.telegram_api.texts()
    assert texts[0].startswith("<unsupported_media|") and texts[1].startswith("<too_long|")
    assert "max_chars=2000" in texts[1]
    assert server.agent.received == []


async def test_not_configured_answers_503(server, http, monkeypatch):
    from bot.settings import get_settings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    get_settings.cache_clear()
    assert (await post(http, server, text_update("ciao"))).status_code == 503
