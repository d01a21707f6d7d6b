"""Per-creditor repayment-plan policy (docs/architecture.md §6)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping


@dataclass(frozen=True)
class PlanPolicy:
    """What a creditor allows in a repayment plan. Defaults follow docs/architecture.md §6."""

    min_instalment: Decimal = Decimal("25.00")
    max_instalments: int = 12
    # Balances above this threshold may be spread over more months.
    large_balance_threshold: Decimal = Decimal("5000.00")
    max_instalments_large: int = 24
    first_due_within_days: int = 30
    # Promises to pay further away than this are steered towards a plan instead.
    max_promise_days: int = 30
    # How many proposals a debtor sees at once (2–3 per docs/architecture.md §5.4).
    max_options: int = 3

    def max_count_for(self, balance: Decimal) -> int:
        """Longest plan allowed for this balance."""
        if balance > self.large_balance_threshold:
            return self.max_instalments_large
        return self.max_instalments

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> "PlanPolicy":
        """Build a policy from a YAML mapping; unknown keys are an error so typos surface."""
        if not data:
            return cls()
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown plan policy keys: {', '.join(sorted(unknown))}")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            default = getattr(cls, key)
            kwargs[key] = Decimal(str(value)) if isinstance(default, Decimal) else int(value)
        policy = cls(**kwargs)
        policy.check()
        return policy

    def check(self) -> None:
        if self.min_instalment <= 0:
            raise ValueError("min_instalment must be positive")
        if not 1 <= self.max_instalments <= self.max_instalments_large:
            raise ValueError("need 1 <= max_instalments <= max_instalments_large")
        if not 1 <= self.first_due_within_days <= 90:
            raise ValueError("first_due_within_days must be between 1 and 90")
