"""Proactive outreach: reminders before and after the due date, within contact rules,
sent exactly once through a database outbox, prioritised by payment propensity.

Modules: ``config`` (cadence settings from creditor.yml), ``cadence`` (which step is due
when), ``rules`` (contact hours, caps, suppressions; pure), ``facts`` (ledger snapshot the
rules read), ``planner`` (due steps -> outbox rows), ``worker`` (claim, send, reconcile),
``senders`` (Twilio, Telegram, in-memory fake), ``propensity``, ``experiments``,
``preview``, ``views`` (console page) and ``cli``.
"""
