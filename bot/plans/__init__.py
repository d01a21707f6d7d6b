"""Pure Decimal repayment-plan engine and per-creditor policy."""
from bot.plans.calendar import business_day_on_or_after, is_business_day
from bot.plans.engine import (
    Instalment, PlanProposal, build_schedule, longest_plan_amount, propose_plans,
)
from bot.plans.policy import PlanPolicy

__all__ = [
    "Instalment", "PlanPolicy", "PlanProposal", "build_schedule", "business_day_on_or_after",
    "is_business_day", "longest_plan_amount", "propose_plans",
]
