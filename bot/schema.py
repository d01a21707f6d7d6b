"""Every module that declares tables, imported once so ``Base.metadata`` is complete.

Migrations (``bot/ledger/migrations/env.py``), the test fixtures and anything that calls
``create_all`` import this module instead of listing model modules themselves; a room that
adds tables adds one import line here.
"""
from __future__ import annotations

from bot.ledger.models import Base
import bot.ledger.instalments  # noqa: F401,E402
import bot.outreach.models  # noqa: F401,E402
import bot.privacy.audit_guard  # noqa: F401,E402  (append-only trigger on audit_log)
import bot.payments.models  # noqa: F401,E402
import bot.statements.models  # noqa: F401,E402
import bot.handoff.models  # noqa: F401,E402
import bot.security.verified  # noqa: F401,E402
import bot.channels.webchat_links  # noqa: F401,E402
import bot.agentdesk.models  # noqa: F401,E402
import bot.channels.models  # noqa: F401,E402

__all__ = ["Base"]
