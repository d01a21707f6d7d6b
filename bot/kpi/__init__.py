"""Collection KPIs (recovery, promises, plans, containment, handoffs, opt-outs, NPS trend),
the credit managers' dashboard, and synthetic activity for demos."""
