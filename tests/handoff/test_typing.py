"""The typing hint per channel: web chat widgets are woken, WhatsApp and SMS get nothing, no error."""
from __future__ import annotations

import asyncio

import pytest

from bot.channels.webchat_hub import HUB
from bot.handoff import typing as agent_typing
from bot.handoff.typing import TypingTarget


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agent_typing, "_last_sent", {})


@pytest.mark.parametrize("channel", ["whatsapp", "sms", "rest"])
def test_channels_without_typing_get_nothing(channel, monkeypatch: pytest.MonkeyPatch):
    def boom(*_a, **_k):
        raise AssertionError("nothing may be published")

    monkeypatch.setattr("bot.channels.live.publish_typing", boom)
    target = TypingTarget(f"x:{channel}", channel, "+393331234567", False)
    assert asyncio.run(agent_typing.announce(target)) == "none"


def test_a_widget_waiting_on_the_conversation_is_woken_once_per_interval():
    target = TypingTarget("web:typing-test", "webchat", None, False)

    async def scenario() -> tuple[bool, str, str]:
        waiting = asyncio.ensure_future(HUB.wait(target.conversation_id, 5))
        await asyncio.sleep(0)
        first = await agent_typing.announce(target)
        woken = await waiting
        return woken, first, await agent_typing.announce(target)

    woken, first, second = asyncio.run(scenario())
    assert (woken, first, second) == (True, "shown", "throttled")
    assert HUB.typing_id(target.conversation_id) > 0


def test_an_older_signal_does_not_replace_a_newer_one():
    HUB.typing("web:order", 200)
    HUB.typing("web:order", 100)
    assert HUB.typing_id("web:order") == 200


def test_an_announcement_from_another_process_reaches_this_hub():
    from bot.channels import live

    live.dispatch('{"t": "typing", "id": "web:elsewhere", "s": 4242}')
    live.dispatch('{"t": "typing", "id": "web:forged", "s": "not a number"}')
    assert HUB.typing_id("web:elsewhere") == 4242
    assert HUB.typing_id("web:forged") == 0
