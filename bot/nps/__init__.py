"""NPS as a system: storing answers, closing the loop with detractors, and the report
(scores with confidence intervals, breakdowns, unsupervised themes in Italian and English)."""
