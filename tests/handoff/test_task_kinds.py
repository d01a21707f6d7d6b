"""Every kind of task the code opens can be filtered in the inbox and has a label in both languages."""
from __future__ import annotations

import re
from pathlib import Path

from bot.agentdesk.inbox import KINDS
from bot.agentdesk.texts import TEXTS
from bot.outreach.lifecycle import TASK_KIND
from bot.payments.apply import OVERPAYMENT_TASK

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r'FollowUpTask\([^)]*?\bkind="([a-z_]+)"', re.S)


def _opened_kinds() -> set[str]:
    found = {TASK_KIND, OVERPAYMENT_TASK}
    for path in (ROOT / "bot").rglob("*.py"):
        found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_sees_the_kinds_opened_in_conversations() -> None:
    assert {"callback", "hardship", "invoice_copy", "nps_detractor"} <= _opened_kinds()


def test_every_opened_kind_is_filterable_and_labelled() -> None:
    missing = sorted(_opened_kinds() - set(KINDS))
    assert missing == [], f"not in bot.agentdesk.inbox.KINDS: {missing}"
    for lang, texts in TEXTS.items():
        unlabelled = [k for k in KINDS if f"k_{k}" not in texts]
        assert unlabelled == [], f"{lang}: no label for {unlabelled}"
