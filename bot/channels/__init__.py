"""Custom Rasa input/output channels: Telegram, WhatsApp and SMS (Twilio), web chat, REST.

Every channel turns its provider's webhook into an ``InboundMessage`` and hands it to
``bot.channels.inbound.handle_inbound`` — the one pipeline that dedupes, records the
transcript, applies the handoff gate and only then reaches the dialogue. Replies go back
through ``bot.channels.formatting`` (what each channel can show) and a ``ChannelOutput``
that records them in the transcript before delivering.
"""

# The Rasa server imports this package (credentials.yml, endpoints.yml) after it has set up
# its own logging: from here on nothing it logs or warns shows personal data unmasked.
from bot.logs import install_log_masking as _install_log_masking  # noqa: E402

_install_log_masking()
