"""Ledger import benchmark: 100,000 invoice rows (and 20,000 payments) on SQLite.

Prints rows per second for a first import into an empty ledger and for re-importing the
same files (which must change nothing). Run: ``python bench/bench_import.py [ROWS]``.
"""
from __future__ import annotations

import csv
import random
import string
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from stdnum.it import codicefiscale  # noqa: E402

from bot.ledger.db import make_engine, session_scope  # noqa: E402
from bot.ledger.importer import import_ledger  # noqa: E402
from bot.ledger.models import AuditLog, Base, Invoice, Payment  # noqa: E402

MONTHS = "ABCDEHLMPRST"  # codice fiscale month letters


def fake_codice_fiscale(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    town = f"{rng.choice('ABCDEFGHILM')}{rng.randint(1, 999):03d}"
    body = f"{letters}{rng.randint(40, 99):02d}{rng.choice(MONTHS)}{day:02d}{town}"
    return body + codicefiscale.calc_check_digit(body)


def write_files(folder: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    invoices, payments = folder / "invoices.csv", folder / "payments.csv"
    debtors = [(f"D{n:06d}", fake_codice_fiscale(rng)) for n in range(rows // 3 + 1)]
    with open(invoices, "w", newline="", encoding="utf-8") as inv, \
            open(payments, "w", newline="", encoding="utf-8") as pay:
        iw, pw = csv.writer(inv), csv.writer(pay)
        iw.writerow(["debtor_ref", "name", "tax_code", "phone", "email", "language", "invoice_number",
                     "issue_date", "due_date", "amount_due", "currency"])
        pw.writerow(["invoice_number", "paid_on", "amount", "reference"])
        for n in range(rows):
            ref, tax = debtors[n // 3]
            issued = start + timedelta(days=n % 400)
            cents = rng.randint(2_000, 900_000)
            number = f"FT-{issued.year}/{n:06d}"
            iw.writerow([ref, f"Debtor {ref}", tax, f"+39333{n // 3:07d}", f"{ref.lower()}@example.it",
                         "en" if (n // 3) % 4 == 0 else "it", number, issued.isoformat(),
                         (issued + timedelta(days=30)).isoformat(), f"{cents // 100}.{cents % 100:02d}", "EUR"])
            if n % 5 == 0:
                pw.writerow([number, (issued + timedelta(days=10)).isoformat(), f"{cents // 200}.00", f"CRO{n:08d}"])
    return invoices, payments


def timed_import(url: str, invoices: Path, payments: Path) -> tuple[float, float, dict[str, int]]:
    """Wall seconds, CPU seconds of this process (meaningful on a busy machine), counts."""
    engine = make_engine(url)
    began, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        summary = import_ledger(session, invoices, payments, today=date(2027, 1, 1))
    return time.perf_counter() - began, time.process_time() - cpu, summary.as_dict()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        invoices, payments = write_files(folder, rows)
        url = f"sqlite:///{folder / 'bench.db'}"
        Base.metadata.create_all(make_engine(url))
        first, first_cpu, summary = timed_import(url, invoices, payments)
        print(f"first import : {rows} invoice rows in {first:.2f} s (CPU {first_cpu:.2f} s) = "
              f"{rows / first:,.0f} rows/s  {summary}")
        again, again_cpu, summary = timed_import(url, invoices, payments)
        print(f"re-import    : {rows} invoice rows in {again:.2f} s (CPU {again_cpu:.2f} s) = "
              f"{rows / again:,.0f} rows/s  {summary}")
        with session_scope(make_engine(url)) as session:
            counts = {model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
                      for model in (Invoice, Payment, AuditLog)}
        print(f"rows in the ledger: {counts}  (re-import / first = {again / first:.2f}x)")


if __name__ == "__main__":
    main()
