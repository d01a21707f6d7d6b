"""Bank statement matching benchmark: N credit lines against N open invoices (default 100,000).

Prints the time to build the index and match every line, and, on a generated statement
with messy remittance texts (case, spaces, slashes, missing prefixes, one typo, several
invoices per transfer, partial payments, tax code only, payer name only, noise), the
precision and recall of the auto-applied matches. Figures are printed, not asserted.
Run: ``python bench/statements_bench.py [N]``.
"""
from __future__ import annotations

import random
import string
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.statements.lines import BankLine  # noqa: E402
from bot.statements.match import DebtorKey, Matcher, OpenItem  # noqa: E402

FIRST = ["Mario", "Luca", "Giulia", "Anna", "Paolo", "Sara", "Marco", "Elena", "Franco", "Chiara"]
LAST = ["Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino"]


def _tax_code(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(6)) + f"{rng.randint(10, 99)}A01H{rng.randint(100, 999)}X"


def _messy(number: str, rng: random.Random) -> str:
    prefix, year, seq = number.split("-")[0], number.split("-")[1].split("/")[0], number.split("/")[1]
    return rng.choice([
        number, number.lower(), f"{prefix} {year}/{seq}", f"{prefix}{year}{seq}", f"{year}/{seq}",
        f"{prefix}-{year}-{seq}", f"{prefix}.{year}.{seq}", f"{prefix} {year} {seq}",
    ])


def _typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(len(text))
    return text[:i] + rng.choice(["", "X", text[i] + text[i]]) + text[i + 1:]


def generate(n: int, seed: int = 7) -> tuple[list[OpenItem], list[DebtorKey], list[tuple[BankLine, frozenset[int]]]]:
    rng = random.Random(seed)
    debtors = [DebtorKey(d, f"{rng.choice(FIRST)} {rng.choice(LAST)} {d}", _tax_code(rng), f"D{d:06d}")
               for d in range(1, n // 2 + 1)]
    items = []
    for i in range(1, n + 1):
        amount = Decimal(rng.randint(1000, 500000)) / 100
        issued = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
        items.append(OpenItem(i, rng.randint(1, len(debtors)), f"FT-2026/{i:06d}", amount, issued, issued + timedelta(days=30)))
    by_debtor: dict[int, list[OpenItem]] = {}
    for it in items:
        by_debtor.setdefault(it.debtor_id, []).append(it)
    lines = []
    booked = date(2026, 12, 2)
    words = ["saldo", "fattura", "fatt.", "pagamento", "bonifico", "rif", "acconto", "del", "12/11/2026", "grazie"]
    for k in range(n):
        it = items[rng.randrange(n)]
        noise = " ".join(rng.sample(words, 2))
        roll = rng.random()
        if roll < 0.50:
            text, amount, truth = f"{noise} {_messy(it.number, rng)}", it.open_amount, {it.invoice_id}
        elif roll < 0.60:
            text, truth = f"acconto {_messy(it.number, rng)}", {it.invoice_id}
            amount = (it.open_amount / 2).quantize(Decimal("0.01"))
        elif roll < 0.70:
            text, amount, truth = f"{noise} {_typo(it.number.replace('/', ''), rng)}", it.open_amount, {it.invoice_id}
        elif roll < 0.78:
            other = items[(it.invoice_id) % n]
            text = f"fatture {_messy(it.number, rng)} e {_messy(other.number, rng)}"
            amount, truth = it.open_amount + other.open_amount, {it.invoice_id, other.invoice_id}
        elif roll < 0.85:
            debtor = debtors[it.debtor_id - 1]
            text, amount, truth = f"bonifico {debtor.tax_code}", it.open_amount, {it.invoice_id}
        elif roll < 0.90:
            debtor = debtors[it.debtor_id - 1]
            text, amount, truth = "bonifico", it.open_amount, {it.invoice_id}
            lines.append((BankLine(f"t{k}", booked, None, amount, "EUR", text, debtor.name), frozenset(truth)))
            continue
        else:
            text, amount, truth = f"{noise} ordine {rng.randint(1, 99999)}", Decimal(rng.randint(100, 99999)) / 100, set()
        lines.append((BankLine(f"t{k}", booked, None, amount, "EUR", text, ""), frozenset(truth)))
    return items, debtors, lines


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    items, debtors, lines = generate(n)
    start = time.perf_counter()
    matcher = Matcher(items, debtors)
    built = time.perf_counter()
    results = [(matcher.match(line), truth) for line, truth in lines]
    done = time.perf_counter()
    applied = [(m, t) for m, t in results if m.status == "sure"]
    correct = sum(1 for m, t in applied if frozenset(i for i, _ in m.allocations) == t)
    matchable = sum(1 for _, t in results if t)
    review = sum(1 for m, _ in results if m.status == "review")
    print(f"{n} lines against {n} open invoices: index {built - start:.1f} s, matching {done - built:.1f} s, "
          f"total {done - start:.1f} s")
    print(f"auto-applied {len(applied)}, review {review}, unmatched {len(results) - len(applied) - review}")
    print(f"precision of auto-applied {correct / max(len(applied), 1):.4f}, "
          f"recall {correct / max(matchable, 1):.4f} (of {matchable} lines that pay a known invoice)")


if __name__ == "__main__":
    main()
