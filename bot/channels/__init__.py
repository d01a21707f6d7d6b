"""Custom Rasa input/output channels: Telegram, WhatsApp and SMS (Twilio), web chat, REST.

Every channel turns its provider's webhook into an ``InboundMessage`` and hands it to
``bot.channels.inbound.handle_inbound`` — the one pipeline that dedupes, records the
transcript, applies the handoff gate and only then reaches the dialogue. Replies go back
through ``bot.channels.formatting`` (what each channel can show) and a ``ChannelOutput``
that records them in the transcript before delivering.
"""
