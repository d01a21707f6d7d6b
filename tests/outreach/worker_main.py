"""Runs one outreach worker pass in its own process, with an injected clock.

``python -m tests.outreach.worker_main DB_URL ISO_NOW LEASE_SECONDS BATCH`` — the
environment carries the Twilio settings (the fake API's base URL).
"""
from __future__ import annotations

import sys
from datetime import datetime

from bot.ledger.db import make_engine
from bot.outreach.config import OutreachConfig
from bot.outreach.senders import TwilioSender
from bot.outreach.worker import Worker


def main() -> int:
    url, now, lease, batch = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    worker = Worker(make_engine(url), TwilioSender(), OutreachConfig(), clock=lambda: now, lease_seconds=lease,
                    batch_size=batch, creditor_name="Aurora Servizi S.p.A.")
    stats = worker.run_once(plan=False)
    print(f"sent={stats.sent} reconciled={stats.reconciled} failed={stats.failed}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
