"""Bank statements: read camt.053/camt.054 and Italian home-banking CSV/XLSX, match each
credit to invoices and instalments, apply the sure matches, queue the unsure for review.

Modules: ``lines`` (the ``BankLine`` every reader yields), ``read_camt`` (ISO 20022 XML
through defusedxml; the PyPI camt packages need pydantic 2, which Rasa 3.6 cannot use),
``read_csv`` (CSV and XLSX with Italian dates and numbers), ``match`` (confidence and
reason per credit), ``models`` (stored lines and their matches), ``importer`` (store,
apply, idempotent per bank transaction id), ``review`` (accept, reassign, reject) and ``cli``.
"""
