import logging

from bot.logs import MaskingFilter, mask_text


def test_tax_codes_and_phone_numbers_are_masked():
    text = mask_text("debtor RSSMRA85T10A562S phone +39 333 1234567 invoice FT-2026/00417")
    assert "RSSMRA85T10A562S" not in text and "1234567" not in text.replace("*", "")
    assert "FT-2026/00417" in text


def test_filter_masks_formatted_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "verify %s", ("RSSMRA85T10A562S",), None)
    MaskingFilter().filter(record)
    assert "RSSMRA85T10A562S" not in record.getMessage()
