"""The console as a daily tool: debtor profile, one task inbox, canned replies, per-agent figures.

Plain Python over the ledger (no Rasa import); the console routes live in
``bot/handoff/console_*.py`` and call into this package from worker threads.
"""
