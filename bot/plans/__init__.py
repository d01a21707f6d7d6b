"""Pure Decimal repayment-plan engine and per-creditor policy."""
from bot.plans.policy import PlanPolicy

__all__ = ["PlanPolicy"]
