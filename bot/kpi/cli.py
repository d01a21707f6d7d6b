"""``python -m bot kpi`` (figures, JSON or HTML dashboard) and ``python -m bot simulate``."""
from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.nps.cli import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``kpi`` and ``simulate`` sub-commands to the ``python -m bot`` parser."""
    kpi = subparsers.add_parser("kpi", help="collection KPIs by channel and language (text, JSON or HTML)")
    kpi.add_argument("--since", type=iso_date, help="first day included (YYYY-MM-DD)")
    kpi.add_argument("--until", type=iso_date, help="last day included (YYYY-MM-DD)")
    kpi.add_argument("--json", action="store_true", help="print the figures as JSON (money as strings)")
    kpi.add_argument("--html", type=Path, metavar="FILE", help="write the dashboard page to FILE")
    kpi.add_argument("--lang", choices=("it", "en"), default="it", help="language of the dashboard page")
    kpi.set_defaults(func=run_kpi)

    sim = subparsers.add_parser(
        "simulate", help="add synthetic debtors, conversations, payments and NPS answers for a demo",
        description="Writes simulated rows only for debtors whose ref starts with SIM- (invoices SIM-…, "
                    "conversations sim-…); existing and demo rows are never touched. Running it again ADDS "
                    "more simulated debtors; --reset-sim first deletes every earlier SIM- row.")
    sim.add_argument("--debtors", type=int, required=True, metavar="N")
    sim.add_argument("--days", type=int, required=True, metavar="D", help="days of activity up to today")
    sim.add_argument("--seed", type=int, metavar="S", help="for a reproducible run")
    sim.add_argument("--reset-sim", action="store_true", help="delete earlier simulated rows first")
    sim.set_defaults(func=run_simulate)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _text(k: dict[str, Any]) -> str:
    r, p, pl, c, h = k["recovery"], k["promises"], k["plans"], k["conversations"], k["handoffs"]
    lines = [
        f"period: {k['period']['since'] or '…'} → {k['period']['until'] or k['period']['as_of']}",
        f"overdue balance {r['overdue_balance']} EUR, recovered {r['recovered']} ({r['recovered_pct']}%), "
        f"avg days to pay {r['avg_days_to_pay']}",
        f"promises: made {p['made']}, kept {p['kept']}, broken {p['broken']}, pending {p['pending']}",
        f"plans: created {pl['created']}, on track {pl['on_track']}, completed {pl['completed']}, "
        f"defaulted {pl['defaulted']}, cancelled {pl['cancelled']}",
        f"disputes: {k['disputes'].get('opened', 0)}  already-paid cases: {k['reconciliation'].get('opened', 0)}",
        f"conversations {c['total']}, contained {c['contained']} ({c['containment_pct']}%)",
        f"handoffs {h['total']}, wait avg {h['wait_avg_min']} min (median {h['wait_median_min']}, "
        f"p90 {h['wait_p90_min']}), unanswered {h['unanswered']}",
        f"opt-outs {k['opt_outs']['total']}  NPS {k['nps']['overall']['nps']} (n={k['nps']['overall']['n']})",
    ]
    for dim in ("channel", "language"):
        lines.append(f"by {dim}:")
        for row in k[f"by_{dim}"]:
            lines.append(f"  {row['key']:<10} conv {row.get('conversations', 0):>5}  contained {row['containment_pct']}%  "
                         f"promises {row.get('promises_made', 0)}/{row.get('promises_kept', 0)} kept  "
                         f"plans {row.get('plans_created', 0)}  recovered {row.get('recovered', 0)}  NPS {row['nps']}")
    return "\n".join(lines)


def run_kpi(args: argparse.Namespace) -> int:
    """Print the KPIs of the period as text or JSON (money as strings), optionally writing the HTML dashboard."""
    from bot.kpi.dashboard import render_kpis
    from bot.kpi.metrics import compute_kpis
    from bot.ledger.db import session_scope

    with session_scope() as session:
        kpis = compute_kpis(session, since=args.since, until=args.until)
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_kpis(kpis, lang=args.lang), encoding="utf-8")
        print(f"dashboard: {args.html}")
    print(json.dumps(_jsonable(kpis), ensure_ascii=False, indent=1) if args.json else _text(kpis))
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    """Add simulated ``SIM-`` debtors and their activity (after ``--reset-sim``, if given) and commit."""
    from bot.kpi.simulate import reset_simulation, simulate
    from bot.ledger.db import session_scope

    with session_scope() as session:
        if args.reset_sim:
            print(f"removed {reset_simulation(session)} simulated debtors")
        result = simulate(session, debtors=args.debtors, days=args.days, seed=args.seed)
    print(f"added {result.debtors} debtors, {result.invoices} invoices, {result.conversations} conversations, "
          f"{result.payments} payments, {result.nps} NPS answers")
    return 0
