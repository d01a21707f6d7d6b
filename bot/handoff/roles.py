"""Console roles, from least to most trusted; each role may do everything the ones below it may.

- ``agent``: the queue (unassigned entries) and the conversations they hold.
- ``supervisor``: every conversation (open or closed), KPIs, outreach, payments, audit.
- ``admin``: agent accounts, privacy requests (export, erasure), settings.

The role is stored on the agent record (``agents.role``), set with ``python -m bot agents role``.
"""
from __future__ import annotations

from typing import Literal

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")
_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}


def is_role(value: str) -> bool:
    """Whether ``value`` names a known role."""
    return value in _RANK


def allows(held: str, needed: Role) -> bool:
    """Whether an account with role ``held`` may use what ``needed`` protects (unknown roles: nothing)."""
    return held in _RANK and _RANK[held] >= _RANK[needed]
