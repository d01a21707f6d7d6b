"""A real Sanic server with the payments webhook blueprint, for the webhook tests.

Run as ``python -m tests.payments.webhook_server PORT``; the database and the secret come
from ``DATABASE_URL`` and ``STRIPE_WEBHOOK_SECRET`` as in production.
"""
from __future__ import annotations

import sys

from sanic import Sanic

from bot.payments.stripe_webhook import StripeWebhookInput


async def _noop(_message) -> None:  # payments never reach the dialogue
    return None


def main() -> None:
    app = Sanic("payments_webhook_test")
    channel = StripeWebhookInput()
    app.blueprint(channel.blueprint(_noop), url_prefix="/webhooks/payments")

    @app.get("/health")
    async def health(_request):  # type: ignore[no-untyped-def]
        from sanic import response

        return response.text("ok")

    app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, single_process=True) \
        if "single_process" in Sanic.run.__code__.co_varnames else \
        app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, workers=1)


if __name__ == "__main__":
    main()
