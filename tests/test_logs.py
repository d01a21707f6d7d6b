import io
import logging
import subprocess
import sys
import warnings

import pytest

from bot.logs import MaskingFilter, MaskingFormatter, install_log_masking, mask_record, mask_text

CF, PHONE, EMAIL = "RSSMRA85T10A562S", "+393335550101", "mario.rossi@example.com"


def _clean(text: str) -> None:
    assert CF not in text and "3335550101" not in text and "mario.rossi" not in text, text


def test_tax_codes_and_phone_numbers_are_masked():
    text = mask_text("debtor RSSMRA85T10A562S phone +39 333 1234567 invoice FT-2026/00417")
    assert "RSSMRA85T10A562S" not in text and "1234567" not in text.replace("*", "")
    assert "FT-2026/00417" in text


def test_email_addresses_are_masked_to_first_letter_and_domain():
    assert mask_text(f"write to {EMAIL} today") == "write to m***@example.com today"


def test_masking_is_idempotent():
    once = mask_text(f"{CF} {PHONE} {EMAIL}")
    assert mask_text(once) == once


def test_filter_masks_formatted_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "verify %s", ("RSSMRA85T10A562S",), None)
    MaskingFilter().filter(record)
    assert "RSSMRA85T10A562S" not in record.getMessage()


def test_record_args_with_cf_phone_and_email_come_out_masked():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "cf=%s phone=%s mail=%s %r",
                               (CF, PHONE, EMAIL, {"phone": PHONE}), None)
    out = MaskingFormatter(logging.Formatter("%(levelname)s %(message)s")).format(record)
    _clean(out)
    assert out.startswith("WARNING cf=RSS***********2S")


def test_traceback_text_is_masked():
    try:
        raise ValueError(f"bad code {CF} for {PHONE}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    out = logging.Formatter().format(mask_record(record))
    assert "ValueError: bad code RSS***********2S" in out
    _clean(out)


def test_extras_are_masked():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "access", (), None)
    record.request = f"GET /x?phone={PHONE}"
    mask_record(record)
    _clean(record.request)


def _run_isolated(code: str) -> subprocess.CompletedProcess:
    """The install changes process-wide hooks, so it is exercised in a child process."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_installed_masking_covers_loggers_handlers_warnings_and_excepthook():
    code = f"""
import logging, sys, warnings
logging.basicConfig(level=logging.INFO, stream=sys.stdout)
from bot.logs import install_log_masking
install_log_masking(); install_log_masking()
logging.getLogger("rasa.some.module").warning("Failed to parse arguments in line '%s'", {CF!r})
late = logging.StreamHandler(sys.stdout)   # a handler added after the install
logging.getLogger("sanic.error").addHandler(late)
logging.getLogger("sanic.error").error("phone " + {PHONE!r})
try:
    raise RuntimeError("mail " + {EMAIL!r})
except RuntimeError:
    logging.getLogger("x").exception("boom")
warnings.warn("Failed to parse arguments in line '/inform{{\\"codice_fiscale\\":\\"{CF}\\"}}'")
raise KeyError({CF!r})
"""
    done = _run_isolated(code)
    out = done.stdout + done.stderr
    _clean(out)
    assert out.count("RSS***********2S") >= 3 and "*********101" in out and "m***@example.com" in out
    assert "Failed to parse arguments" in out and "KeyError" in out and done.returncode == 1


def test_install_keeps_printing_through_the_existing_handlers():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.logs.existing")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            install_log_masking()
            logger.warning("code %s", CF)
            warnings.simplefilter("always")
            logging.getLogger("py.warnings").addHandler(handler)
            warnings.warn(f"phone {PHONE}", stacklevel=1)
    finally:
        logger.removeHandler(handler)
        logging.getLogger("py.warnings").removeHandler(handler)
        logging.captureWarnings(False)
    _clean(stream.getvalue())
    assert "code RSS***********2S" in stream.getvalue() and "*********101" in stream.getvalue()


@pytest.mark.parametrize("text", ["FT-2026/00417", "ts=2026-12-03 05:40:01,123 port=5005", "chars=42"])
def test_ordinary_log_text_is_left_alone(text):
    assert mask_text(text) == text
