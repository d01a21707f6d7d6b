"""Rasa SDK actions: thin translators between the tracker and ``bot/``."""

# The action server imports this package after it has set up its own logging: from here on
# nothing it logs or warns shows personal data unmasked.
from bot.logs import install_log_masking as _install_log_masking  # noqa: E402

_install_log_masking()
