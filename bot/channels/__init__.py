"""Custom Rasa input/output channels: Telegram, WhatsApp and SMS (Twilio), web chat, REST.

Every provider webhook is stored first (``bot.channels.durable``: the unique provider id
is the dedupe, shared by replicas and surviving restarts), acknowledged, and then turned
into an ``InboundMessage`` for ``bot.channels.inbound.handle_inbound`` — the one pipeline
that records the transcript, applies the handoff gate and only then reaches the dialogue.
Replies go back through ``bot.channels.formatting`` (what each channel can show) and a
``ChannelOutput`` that records them in the transcript, then queues them in the reply
outbox (``bot.channels.delivery``) on provider channels. ``bot.channels.live`` carries
change events across processes.
"""

# The Rasa server imports this package (credentials.yml, endpoints.yml) after it has set up
# its own logging: from here on nothing it logs or warns shows personal data unmasked.
from bot.logs import install_log_masking as _install_log_masking  # noqa: E402

_install_log_masking()
