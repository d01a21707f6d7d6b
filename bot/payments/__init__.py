"""Getting paid: payment providers behind one interface and one way a payment lands.

Modules: ``models`` (payment events, one row per provider event or bank transaction, so
each is applied once), ``amounts`` (Decimal <-> integer cents), ``apply`` (``apply_payment``:
ledger, reminders, plan/promise status, thank-you), ``providers`` (bank transfer text and
Stripe Checkout; ``payment_link_for``) and ``stripe_webhook`` (signed webhook handling).
"""
