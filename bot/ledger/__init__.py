"""Ledger: models, repository, import and migrations."""
