"""Exactly once: a worker killed mid-batch (SIGKILL) and restarted, and two workers at
once, against a SQLite file and a fake Twilio API on loopback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.ledger.db import make_engine, session_factory
from bot.ledger.models import Base
from bot.outreach.config import OutreachConfig
from bot.outreach.models import OutboxMessage
from bot.outreach.planner import plan_day
from tests.outreach.conftest import CREDITOR, MONDAY, at, debtor_with_invoice
from tests.outreach.fake_twilio import FakeTwilioServer

ROOT = Path(__file__).resolve().parents[2]
COUNT = 6
NOW = at(MONDAY, 10)
pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite-file scenario")


@pytest.fixture()
def outbox_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with session_factory(engine)() as session:
        for n in range(COUNT):
            debtor_with_invoice(session, f"D{n}", f"+3933300000{n:02d}", due=MONDAY - timedelta(days=3))
        created = plan_day(session, MONDAY, NOW, OutreachConfig(), creditor_name=CREDITOR).created
        assert [r.status for r in created] == ["queued"] * COUNT
        session.commit()
    yield url, engine
    engine.dispose()


def _env(fake_url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "", "TWILIO_API_BASE_URL": fake_url,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "LOG_LEVEL": "WARNING"}


def _worker(url: str, fake_url: str, now, lease: int = 300, batch: int = 20) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.outreach.worker_main", url, now.isoformat(), str(lease),
                             str(batch)], cwd=ROOT, env=_env(fake_url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _rows(engine):
    with session_factory(engine)() as session:
        return session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_killed_mid_batch_and_restarted_sends_each_message_exactly_once(outbox_db):
    url, engine = outbox_db
    with FakeTwilioServer(block_at=3) as fake:
        first = _worker(url, fake.url, NOW)
        assert fake.blocked.wait(60), first.communicate(timeout=5)
        first.send_signal(signal.SIGKILL)  # the provider has message 3; the worker never hears back
        first.wait(30)
        fake.release.set()
        # The batch was claimed up front: 2 sent, 1 in flight at the provider, 3 claimed but untouched.
        assert [r.status for r in _rows(engine)] == ["sent", "sent", "sending", "claimed", "claimed", "claimed"]

        # Restarted before the lease ran out (the first worker might still be alive): hands off.
        early = _worker(url, fake.url, NOW + timedelta(seconds=60))
        assert early.wait(60) == 0, early.stderr.read()
        assert len(fake.received) == 3
        assert [r.status for r in _rows(engine)].count("sent") == 2

        # After the lease: the in-flight row is reconciled with the provider (found, not resent)
        # and the claimed rows, never handed to the provider, are claimed again and sent.
        late = _worker(url, fake.url, NOW + timedelta(minutes=10))
        assert late.wait(60) == 0, late.stderr.read()
        assert "reconciled=1" in late.stdout.read()

        rows = _rows(engine)
        assert [r.status for r in rows] == ["sent"] * COUNT
        assert fake.to_counts() == {r.address: 1 for r in rows}
        by_to = {m["To"]: m["sid"] for m in fake.received}
        assert all(r.provider_message_id == by_to[r.address] for r in rows)


def test_two_workers_at_once_never_double_send(outbox_db):
    url, engine = outbox_db
    with FakeTwilioServer() as fake:
        workers = [_worker(url, fake.url, NOW, batch=1) for _ in range(2)]
        for w in workers:
            assert w.wait(60) == 0, w.stderr.read()
        rows = _rows(engine)
        assert [r.status for r in rows] == ["sent"] * COUNT
        assert len(fake.received) == COUNT and set(fake.to_counts().values()) == {1}


def test_run_loop_stops_cleanly_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    code = ("import sys; from bot.logs import configure_logging; configure_logging(); "
            "from bot.outreach.cli import cmd_run; import argparse; "
            "sys.exit(cmd_run(argparse.Namespace(once=False, poll_seconds=0.2, lease_seconds=None, no_plan=False)))")
    env = {**_env("http://127.0.0.1:9"), "DATABASE_URL": url, "LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "started" in line:
            break
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
