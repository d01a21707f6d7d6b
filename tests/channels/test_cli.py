"""``python -m bot webchat link`` and ``python -m bot telegram set-webhook``."""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import pytest

from bot.__main__ import main
from bot.channels import telegram
from bot.channels.tokens import verify_token
from tests.channels.conftest import TG_SECRET, WEBCHAT_SECRET
from tests.channels.webchat_helpers import INVOICE, add_invoice


def test_webchat_link_prints_a_signed_demo_url(server, app_db, capsys):
    add_invoice(app_db)
    assert main(["webchat", "link", "ft-2026/ 00417"]) == 0
    url = urlparse(capsys.readouterr().out.strip())
    assert (url.scheme, url.netloc, url.path) == ("http", "localhost:5005", "/webhooks/webchat/demo")
    claims = verify_token(parse_qs(url.query)["token"][0], WEBCHAT_SECRET)
    assert (claims.debtor_ref, claims.invoice_number, claims.language) == ("D-001", INVOICE, "it")


def test_webchat_link_for_unknown_invoice_is_a_clear_error(server, app_db, capsys):
    assert main(["webchat", "link", "NOPE-1"]) == 2
    assert "not in the ledger" in capsys.readouterr().err


async def test_set_webhook_registers_public_url_with_secret(server, monkeypatch):
    url = await telegram.set_webhook()
    assert url == f"{server.url}/webhooks/telegram/webhook"
    [call] = server.telegram_api.sent("setWebhook")
    assert call["url"] == url and call["secret_token"] == TG_SECRET
    assert call["allowed_updates"] == ["message", "callback_query"]


def test_set_webhook_without_configuration_is_refused(monkeypatch):
    from bot.settings import get_settings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    with pytest.raises(ValueError):
        asyncio.run(telegram.set_webhook())
