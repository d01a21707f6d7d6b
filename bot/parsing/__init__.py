"""Normalisers for what debtors type: amounts, numbers, dates, tax codes, invoice numbers.

Pure functions, Italian and English; each returns None (or an empty list) for anything it
cannot read with confidence and never raises on user text.
"""
from bot.parsing.amounts import parse_amount, parse_money
from bot.parsing.dates import parse_date
from bot.parsing.invoice_numbers import find_invoice_candidates, invoice_key
from bot.parsing.numbers import parse_nps_score, parse_number
from bot.parsing.tax_codes import find_invalid_tax_code, find_tax_code, normalise_tax_code, tax_code_kind
from bot.parsing.text import clean_text

__all__ = [
    "clean_text", "find_invalid_tax_code", "find_invoice_candidates", "find_tax_code", "invoice_key", "normalise_tax_code", "parse_amount",
    "parse_date", "parse_money", "parse_nps_score", "parse_number", "tax_code_kind",
]
