"""Structured (key=value) logging with personal data masked.

``install_log_masking()`` makes masking process-wide: every log record (whichever logger,
whichever handler, even one added later), every warning and every uncaught traceback goes
through ``mask_text`` before it is written. The Rasa server and the action server call it
when they first import bot code (``bot/channels/__init__.py``, ``actions/__init__.py``),
after Rasa has configured its own logging.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
import warnings
from types import TracebackType
from typing import Any, Callable

from bot.settings import get_settings

# A codice fiscale, a partita IVA, a phone number or an e-mail address must never reach
# a log line in full.
_CF = re.compile(r"\b([A-Za-z]{3})[A-Za-z0-9]{11}([A-Za-z0-9]{2})\b")
_DIGITS = re.compile(r"(?<![\w/])(\+?\d[\d ]{5,})(\d{3})\b")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")

# The attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def mask_text(text: str) -> str:
    """Mask tax codes, VAT numbers, phone numbers and e-mail addresses in free text."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _CF.sub(lambda m: f"{m.group(1)}***********{m.group(2)}", text)
    return _DIGITS.sub(lambda m: "*" * len(m.group(1).replace(" ", "")) + m.group(2), text)


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask a record in place: its message (args merged in), traceback, stack and extras.

    Idempotent; a record whose message cannot be formatted keeps its msg/args (logging
    reports that error itself) but its traceback is still masked.
    """
    if getattr(record, "_masked", False):
        return record
    if isinstance(record.msg, str) or record.args:
        try:
            record.msg, record.args = mask_text(record.getMessage()), ()
        except (TypeError, ValueError, KeyError):
            pass
    if record.exc_info and not record.exc_text:
        # Formatter.format reuses exc_text when it is set, so the masked text is what prints.
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRS and isinstance(value, str):
            setattr(record, key, mask_text(value))
    record._masked = True
    return record


class MaskingFilter(logging.Filter):
    """Masks every record it sees; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class MaskingFormatter(logging.Formatter):
    """Wraps a handler's own formatter and masks what it produced (the last line of defence)."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return mask_text(self.inner.format(mask_record(record)))


_installed = False
_install_lock = threading.Lock()


def _guard_handler(handler: logging.Handler) -> None:
    if not any(isinstance(f, MaskingFilter) for f in handler.filters):
        handler.addFilter(MaskingFilter())
    if not isinstance(handler.formatter, MaskingFormatter):
        handler.setFormatter(MaskingFormatter(handler.formatter))


def _guard_existing_handlers() -> None:
    loggers: list[logging.Logger | logging.PlaceHolder] = [logging.getLogger()]
    loggers += list(logging.Logger.manager.loggerDict.values())
    for logger in loggers:
        for handler in list(getattr(logger, "handlers", [])):
            _guard_handler(handler)
    if logging.lastResort is not None:
        _guard_handler(logging.lastResort)


def _masking_record_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.msg is not None:
            mask_record(record)
            record._masked = False  # extras are added after the factory; the filters mask them
        return record

    factory._bot_masking = True  # type: ignore[attr-defined]
    return factory


def _masked_excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(mask_text(text))


def _masked_thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(mask_text(f"Exception in thread {name}:\n{text}"))


def install_log_masking() -> None:
    """Route every log record, warning and uncaught traceback of this process through the mask.

    Safe to call more than once; a later call also guards handlers added since the last one.
    """
    global _installed
    with _install_lock:
        if not getattr(logging.getLogRecordFactory(), "_bot_masking", False):
            logging.setLogRecordFactory(_masking_record_factory(logging.getLogRecordFactory()))
        root = logging.getLogger()
        if not any(isinstance(f, MaskingFilter) for f in root.filters):
            root.addFilter(MaskingFilter())
        _guard_existing_handlers()
        # Warnings become records of the "py.warnings" logger, so they are masked too. If
        # something put its own showwarning back since, captureWarnings(True) alone would be
        # a no-op (logging still holds the first one it saved), hence the reset.
        if warnings.showwarning is not getattr(logging, "_showwarning", None):
            logging.captureWarnings(False)
            logging.captureWarnings(True)
        if not _installed:
            sys.excepthook = _masked_excepthook
            threading.excepthook = _masked_thread_excepthook
            _installed = True


def configure_logging() -> None:
    """The CLI's logging: one key=value handler on the root logger, masking installed."""
    root = logging.getLogger()
    if any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        install_log_masking()
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    # Migrations and HTTP clients are chatty at INFO; their warnings still show.
    for noisy in ("alembic", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    install_log_masking()
