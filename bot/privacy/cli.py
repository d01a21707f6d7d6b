"""``python -m bot privacy export|erase|retention`` and ``python -m bot audit``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sqlalchemy as sa

from bot.ledger.db import session_scope


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``privacy`` and ``audit`` commands."""
    privacy = subparsers.add_parser("privacy", help="data-protection requests and retention")
    sub = privacy.add_subparsers(dest="privacy_command", required=True, metavar="{export,erase,retention}")

    export = sub.add_parser("export", help="everything held about one debtor, as JSON (art. 15/20)")
    export.add_argument("--debtor", required=True, metavar="REF", help="debtor reference")
    export.add_argument("--creditor", help="creditor id, when references repeat across creditors")
    export.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    export.set_defaults(func=run_export)

    erase = sub.add_parser("erase", help="erase a debtor's personal data, keeping what the law holds")
    erase.add_argument("--debtor", required=True, metavar="REF", help="debtor reference")
    erase.add_argument("--creditor", help="creditor id, when references repeat across creditors")
    erase.set_defaults(func=run_erase)

    retention = sub.add_parser("retention", help="delete what is past its retention period")
    retention.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    retention.set_defaults(func=run_retention)

    audit = subparsers.add_parser("audit", help="audit entries about one debtor")
    audit.add_argument("--debtor", required=True, metavar="REF", help="debtor reference")
    audit.add_argument("--creditor", help="creditor id, when references repeat across creditors")
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    audit.set_defaults(func=run_audit)


def run_export(args: argparse.Namespace) -> int:
    """Export the debtor's data unmasked as JSON to ``--out`` or stdout and audit it; ValueError for an unknown ref."""
    from bot.ledger.repository import audit
    from bot.privacy.export import export_debtor, export_json
    with session_scope() as session:
        document = export_debtor(session, args.debtor, args.creditor)
        audit(session, actor="privacy", action="privacy.export", entity="debtor",
              entity_id=_debtor_id(session, args.debtor, args.creditor), creditor_id=document["creditor_id"],
              details={"channel": "cli"})
    text = export_json(document)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({sum(len(v) for v in document['stores'].values())} records)")
    else:
        sys.stdout.write(text + "\n")
    return 0


def run_erase(args: argparse.Namespace) -> int:
    """Erase the debtor's personal data, keeping what the law holds, commit and print the receipt; rerunnable."""
    from bot.privacy.erase import erase_debtor
    with session_scope() as session:
        receipt = erase_debtor(session, args.debtor, creditor_id=args.creditor)
    print(f"erasure of debtor {receipt.debtor_ref}:")
    for line in receipt.lines():
        print("  " + line)
    return 0


def run_retention(args: argparse.Namespace) -> int:
    """Delete what is past its retention period and commit; ``--dry-run`` only counts and rolls back."""
    from bot.privacy.retention import apply_retention, load_policy
    policy = load_policy()
    with session_scope() as session:
        counts = apply_retention(session, policy, dry_run=args.dry_run)
        if args.dry_run:
            session.rollback()
    verb = "would delete" if args.dry_run else "deleted"
    if not counts:
        print("retention: no period configured (creditor.yml retention:)")
    for kind, count in sorted(counts.items()):
        print(f"{kind}: {verb} {count}")
    return 0


def _debtor_id(session: sa.orm.Session, ref: str, creditor: str | None) -> int:
    from bot.privacy.inventory import debtor_keys
    return debtor_keys(session, ref, creditor).debtor_id


def run_audit(args: argparse.Namespace) -> int:
    """Print the audit entries about one debtor, oldest first, as text or JSON lines; ValueError for an unknown ref."""
    from bot.privacy.audit_view import debtor_audit
    with session_scope() as session:
        entries = debtor_audit(session, args.debtor, args.creditor)
    for entry in entries:
        if args.json:
            print(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        else:
            print(f"{entry['created_at']}  {entry['actor']:<20} {entry['action']:<28} "
                  f"{entry['entity'] or '-'}:{entry['entity_id'] or '-'}  {entry['conversation_id'] or ''}  "
                  f"{json.dumps(entry['details'], ensure_ascii=False) if entry['details'] else ''}".rstrip())
    if not entries:
        print("no audit entries")
    return 0
