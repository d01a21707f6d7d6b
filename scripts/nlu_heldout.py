"""Score the trained model on the held-out NLU sets (tests/nlu/heldout_*.yml).

Nothing is trained here: the model in models/collections.tar.gz reads every held-out
message exactly as the Rasa server would (the whole NLU pipeline, fallback included), and
the answers are compared with the labels. The held-out messages are never in data/ (a test
checks it), so these figures say how the model does on messages it has never seen.

Every intent block in a held-out file carries ``metadata: {lang: it|en}``; the kind of
message is the file name (heldout_long.yml -> long). Reported per kind and language:

- intent accuracy: the final intent (a message that falls back, ``nlu_fallback``, counts
  as wrong, because the dialogue then asks the debtor to rephrase) and the fallback share;
- recall and precision of each safety intent, the intents that must never be missed or
  invented (payment difficulty, dispute, request for a person, opt-out, already paid,
  complaint); precision is counted within the same kind and language;
- entity recall: an annotated entity counts as found when the model returns an entity of
  the same type whose span overlaps it (the dialogue re-reads the value from the text).

Usage: python scripts/nlu_heldout.py [--model models/collections.tar.gz] [--out results/nlu_heldout.md]
       [--errors]   (also print every wrong message, for labelling work)
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from heldout_readers import read_by_dialogue  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = sorted((ROOT / "tests" / "nlu").glob("heldout_*.yml"))
SAFETY = ("payment_difficulty", "dispute", "request_human", "opt_out", "already_paid", "complain")
FALLBACK = "nlu_fallback"


@dataclass
class Case:
    """One held-out message with its labels."""

    kind: str
    lang: str
    text: str
    intent: str
    entities: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Result:
    """What the model answered for one case."""

    case: Case
    intent: str
    confidence: float
    entities: list[tuple[str, int, int]]


def load_cases(paths: list[Path] = HELDOUT) -> list[Case]:
    """Every labelled example of the held-out files, with its kind and language."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    cases: list[Case] = []
    for path in paths:
        kind = path.stem.removeprefix("heldout_")
        data = RasaYAMLReader().read(path)
        for message in data.intent_examples:
            lang = ((message.get("metadata") or {}).get("intent") or {}).get("lang")
            if lang not in ("it", "en"):
                raise ValueError(f"{path.name}: intent {message.get('intent')} has no metadata lang it|en")
            spans = [(e["entity"], e["start"], e["end"]) for e in message.get("entities") or []]
            cases.append(Case(kind, lang, message.get("text"), message.get("intent"), spans))
    return cases


async def _predict(model: Path, cases: list[Case]) -> list[Result]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results = []
    for case in cases:
        parsed = await agent.parse_message(case.text)
        intent = parsed.get("intent") or {}
        spans = [(e["entity"], e["start"], e["end"]) for e in parsed.get("entities") or []
                 if e.get("extractor") != "RegexEntityExtractor"]
        results.append(Result(case, intent.get("name") or "none", float(intent.get("confidence") or 0.0), spans))
    return results


def predict(model: Path, cases: list[Case]) -> list[Result]:
    """The model's answer for every case."""
    return asyncio.run(_predict(model, cases))


def _found(wanted: tuple[str, int, int], got: list[tuple[str, int, int]]) -> bool:
    kind, start, end = wanted
    return any(k == kind and s < end and start < e for k, s, e in got)


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "-"


def report(results: list[Result]) -> str:
    """The markdown tables: one row per kind and language, then the safety intents."""
    groups: dict[tuple[str, str], list[Result]] = defaultdict(list)
    for r in results:
        groups[(r.case.kind, r.case.lang)].append(r)
    keys = sorted(groups)
    lines = ["| kind | lang | messages | intent accuracy | fallback | entity recall (found/annotated) |",
             "|---|---|---|---|---|---|"]
    for key in keys:
        rows = groups[key]
        right = sum(r.intent == r.case.intent for r in rows)
        fallback = sum(r.intent == FALLBACK for r in rows)
        wanted = [(w, r.entities) for r in rows for w in r.case.entities]
        found = sum(_found(w, got) for w, got in wanted)
        lines.append(f"| {key[0]} | {key[1]} | {len(rows)} | {_ratio(right, len(rows))} | "
                     f"{_ratio(fallback, len(rows))} | {_ratio(found, len(wanted))} ({found}/{len(wanted)}) |")
    lines += ["", "Safety intents, recall / precision (support) per kind and language:", "",
              "| intent | " + " | ".join(f"{k} {lang}" for k, lang in keys) + " |",
              "|---|" + "---|" * len(keys)]
    for intent in SAFETY:
        cells = []
        for key in keys:
            rows = groups[key]
            support = sum(r.case.intent == intent for r in rows)
            hits = sum(r.case.intent == intent and r.intent == intent for r in rows)
            claimed = sum(r.intent == intent for r in rows)
            cells.append(f"{_ratio(hits, support)} / {_ratio(hits, claimed)} ({support})")
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    by_entity: dict[str, list[bool]] = defaultdict(list)
    by_reader: dict[str, list[bool]] = defaultdict(list)
    for r in results:
        for w in r.case.entities:
            by_entity[w[0]].append(_found(w, r.entities))
            read = read_by_dialogue(w[0], r.case.text, w[1], w[2], r.case.lang)
            if read is not None:
                by_reader[w[0]].append(read)
    lines += ["", "Entity recall over both files (model), and the share of values the dialogue's readers",
              "(bot/dialogue/extract.py) get from the whole message:", "",
              "| entity | model recall | read by the dialogue | annotated |", "|---|---|---|---|"]
    lines += [f"| {name} | {_ratio(sum(v), len(v))} | {_ratio(sum(by_reader[name]), len(by_reader[name]))} | {len(v)} |"
              for name, v in sorted(by_entity.items())]
    return "\n".join(lines) + "\n"


def errors(results: list[Result]) -> str:
    """One line per wrongly classified message."""
    return "\n".join(f"[{r.case.kind} {r.case.lang}] {r.case.intent} -> {r.intent} ({r.confidence:.2f}): {r.case.text}"
                     for r in results if r.intent != r.case.intent)


def main(argv: list[str] | None = None) -> int:
    """Score the held-out files and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "collections.tar.gz")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "nlu_heldout.md")
    parser.add_argument("--errors", action="store_true", help="also print every misclassified message")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"error: no trained model at {args.model}; run `make train` first", file=sys.stderr)
        return 2
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    results = predict(args.model, load_cases())
    text = report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if args.errors:
        print(errors(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
