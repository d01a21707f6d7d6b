"""Replies -> what each channel can show (pure functions)."""
from __future__ import annotations

from bot.channels.formatting import (
    CallbackData, NumberedChoices, Reply, Button, for_sms, for_telegram, for_whatsapp, reply_from_message,
    split_text,
)

YES_NO = (Button("Sì", "/affirm"), Button("No", "/deny"))


def test_split_text_respects_limit_and_keeps_every_word():
    text = " ".join(f"parola{i}." for i in range(3000))
    parts = split_text(text, 1600)
    assert all(len(p) <= 1600 for p in parts) and len(parts) > 1
    assert " ".join(parts) == text
    assert split_text("x" * 5000, 4096) == ["x" * 4096, "x" * 904]


def test_telegram_keyboard_goes_under_the_last_part():
    rendered = for_telegram(Reply("a " * 3000, YES_NO))
    assert len(rendered.parts) == 2
    assert rendered.parts[0].buttons == () and rendered.parts[1].buttons == YES_NO


def test_long_callback_payloads_are_shortened_and_map_back():
    codec = CallbackData()
    payload = '/inform{"choice":"' + "x" * 80 + '"}'
    data = codec.encode(payload)
    assert len(data.encode()) <= 64 and codec.decode(data) == payload
    assert codec.encode("/affirm") == "/affirm"


def test_whatsapp_quick_replies_only_for_up_to_three_short_titles():
    assert for_whatsapp(Reply("Conferma?", YES_NO)).parts[-1].quick_replies == YES_NO
    four = tuple(Button(f"Piano {n}", f"/p{n}") for n in range(4))
    listed = for_whatsapp(Reply("Scelga:", four))
    assert listed.parts[-1].quick_replies == () and "4. Piano 3" in listed.parts[-1].body
    long_title = (Button("Voglio parlare con un operatore", "/request_human"),)
    assert for_whatsapp(Reply("Serve aiuto?", long_title)).parts[-1].quick_replies == ()


def test_sms_numbered_options_within_1600():
    rendered = for_sms(Reply("Buongiorno " * 300, YES_NO))
    assert all(len(p) <= 1600 for p in rendered.parts)
    assert rendered.parts[-1].endswith("1. Sì\n2. No") and rendered.numbered == YES_NO


def test_numbered_choices_resolve_numbers_and_titles_but_not_scores():
    choices = NumberedChoices()
    choices.remember("c1", YES_NO)
    assert choices.resolve("c1", "2") == YES_NO[1]
    assert choices.resolve("c1", " sì ") == YES_NO[0]
    assert choices.resolve("c1", "3") is None and choices.resolve("c2", "1") is None
    scale = tuple(Button(str(n), f"/score{n}") for n in range(11))
    choices.remember("c1", scale)
    assert choices.resolve("c1", "7") == scale[7]  # the title "7", not the seventh option ("6")


def test_reply_from_rasa_message():
    reply = reply_from_message({"text": "Ciao", "buttons": [{"title": "Sì", "payload": "/affirm"}], "image": "http://x/i.png"})
    assert reply.text == "Ciao\nhttp://x/i.png" and reply.buttons == (Button("Sì", "/affirm"),)
