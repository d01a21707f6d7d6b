"""Where survey answers come from: the bot's database or a CSV export of another survey tool.

Both produce a column-oriented ``SurveyData`` (numpy arrays plus a list of comments) so the
statistics run vectorised on millions of rows without one Python object per answer.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.models import NpsResponse

CSV_COLUMNS = ("created_at", "channel", "journey", "outcome", "language", "score", "comment")
_REQUIRED = ("created_at", "score")


@dataclass
class SurveyData:
    created: np.ndarray      # datetime64[s]
    channel: np.ndarray      # str
    journey: np.ndarray
    outcome: np.ndarray
    language: np.ndarray
    score: np.ndarray        # int16, 0..10
    comment: list[str]       # reason and improvement joined; "" when none

    def __len__(self) -> int:
        return int(self.score.size)

    @property
    def month(self) -> np.ndarray:
        return self.created.astype("datetime64[M]").astype(str)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[datetime, str, str, str, str, int, str]]) -> "SurveyData":
        created, channel, journey, outcome, language, score, comment = [], [], [], [], [], [], []
        for row in rows:
            created.append(row[0])
            channel.append(row[1])
            journey.append(row[2])
            outcome.append(row[3])
            language.append(row[4])
            score.append(row[5])
            comment.append(row[6])
        return cls(
            created=np.array(created, dtype="datetime64[s]"), channel=_strings(channel), journey=_strings(journey),
            outcome=_strings(outcome), language=_strings(language), score=np.array(score, dtype=np.int16),
            comment=comment,
        )

    def select(self, mask: np.ndarray) -> "SurveyData":
        idx = np.flatnonzero(mask)
        return SurveyData(self.created[idx], self.channel[idx], self.journey[idx], self.outcome[idx],
                          self.language[idx], self.score[idx], [self.comment[i] for i in idx])

    def within(self, since: date | None, until: date | None) -> "SurveyData":
        mask = np.ones(len(self), dtype=bool)
        if since:
            mask &= self.created >= np.datetime64(since, "s")
        if until:
            mask &= self.created < np.datetime64(until + timedelta(days=1), "s")
        return self if mask.all() else self.select(mask)


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=str) if values else np.array([], dtype="<U1")


def join_comment(reason: str | None, improvement: str | None) -> str:
    """Reason and improvement as one comment text; "" when both are blank."""
    return " ".join(part.strip() for part in (reason, improvement) if part and part.strip())


def load_from_db(session: Session, since: date | None = None, until: date | None = None,
                 creditor_id: str | None = None) -> SurveyData:
    """The stored NPS answers in date order, optionally limited to a period and a creditor."""
    stmt = select(NpsResponse.created_at, NpsResponse.channel, NpsResponse.journey, NpsResponse.outcome,
                  NpsResponse.language, NpsResponse.score, NpsResponse.reason, NpsResponse.improvement)
    if since:
        stmt = stmt.where(NpsResponse.created_at >= datetime.combine(since, time.min))
    if until:
        stmt = stmt.where(NpsResponse.created_at < datetime.combine(until + timedelta(days=1), time.min))
    if creditor_id:
        stmt = stmt.where(NpsResponse.creditor_id == creditor_id)
    result = session.execute(stmt.order_by(NpsResponse.created_at).execution_options(yield_per=20_000))
    return SurveyData.from_rows(
        (r[0], r[1], r[2], r[3], r[4], int(r[5]), join_comment(r[6], r[7])) for r in result)


class CsvInputError(ValueError):
    """A bad survey CSV: the message names the file, the line and the column."""


def _parse_when(raw: str) -> datetime:
    raw = raw.strip()
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00").replace("T", " ")).replace(tzinfo=None)
    except ValueError:
        return datetime.strptime(raw, "%d/%m/%Y")  # Italian spreadsheets


def _delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def read_csv_rows(path: Path) -> Iterator[tuple[datetime, str, str, str, str, int, str]]:
    """Rows of a survey CSV (``,`` or ``;``); raises CsvInputError naming the line of the first bad one."""
    name = path.name
    with path.open(newline="", encoding="utf-8-sig") as handle:
        first = handle.readline()
        if not first.strip():
            raise CsvInputError(f"{name}: the file is empty; expected a header with {', '.join(CSV_COLUMNS)}")
        handle.seek(0)
        reader = csv.reader(handle, delimiter=_delimiter(first))
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise CsvInputError(f"{name}, line 1: missing column(s) {', '.join(missing)}; "
                                f"expected {', '.join(CSV_COLUMNS)}")
        pos = {c: header.index(c) for c in CSV_COLUMNS if c in header}
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise CsvInputError(f"{name}, line {line}: expected {len(header)} fields, found {len(record)}")

            def cell(column: str, default: str = "", row: list[str] = record) -> str:
                return row[pos[column]].strip() if column in pos else default

            try:
                when = _parse_when(cell("created_at"))
            except ValueError:
                raise CsvInputError(f"{name}, line {line}, column created_at: not a date: "
                                    f"{cell('created_at')[:40]!r} (use YYYY-MM-DD or an ISO timestamp)") from None
            raw_score = cell("score")
            if not raw_score.isdigit() or not 0 <= int(raw_score) <= 10:
                raise CsvInputError(f"{name}, line {line}, column score: expected a whole number 0-10, "
                                    f"got {raw_score[:20]!r}")
            yield (when, cell("channel") or "unknown", cell("journey") or "unknown", cell("outcome") or "unknown",
                   (cell("language") or "??")[:2].lower(), int(raw_score), cell("comment"))


def load_csv(path: Path | str) -> SurveyData:
    """Answers from a survey CSV export; raises FileNotFoundError or CsvInputError."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return SurveyData.from_rows(read_csv_rows(path))
