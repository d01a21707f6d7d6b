"""Per-intent, per-language F1 from `rasa test nlu --cross-validation` output.

Rasa reports per intent only; the language of each example is known from the file it
came from (data/nlu/it.yml and data/nlu/*_it.yml, the same for en), so the predictions saved with
``--successes`` and ``--errors`` are split by language here. The table replaces the
block between the CROSSVAL markers in README.md.

Usage: python scripts/crossval_report.py RESULTS_DIR README.md
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml
from sklearn.metrics import f1_score, precision_recall_fscore_support

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- CROSSVAL:START -->", "<!-- CROSSVAL:END -->"
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")


def plain(example: str) -> str:
    return ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example).strip()


def languages() -> dict[str, str]:
    by_text: dict[str, str] = {}
    for lang in ("it", "en"):
        # it.yml plus the files of one language named *_it.yml (long_it.yml, colloquial_it.yml, ...)
        paths = [ROOT / "data" / "nlu" / f"{lang}.yml", *sorted((ROOT / "data" / "nlu").glob(f"*_{lang}.yml"))]
        blocks = [b for path in paths for b in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", [])]
        for block in blocks:
            for line in (block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    by_text[plain(line[2:])] = lang
    return by_text


def load_predictions(results: Path) -> list[dict]:
    rows: list[dict] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = results / name
        if path.exists():
            rows.extend(json.loads(path.read_text(encoding="utf-8")))
    return rows


def table(rows: list[dict], lang_of: dict[str, str]) -> str:
    by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        lang = lang_of.get(row["text"].strip(), "?")
        pair = (row["intent"], (row.get("intent_prediction") or {}).get("name") or "none")
        by_lang[lang].append(pair)
        by_lang["all"].append(pair)
    intents = sorted({t for t, _ in by_lang["all"]})
    cols = [c for c in ("it", "en", "all") if by_lang.get(c)]
    scores: dict[str, dict[str, float]] = {}
    for col in cols:
        y_true = [t for t, _ in by_lang[col]]
        y_pred = [p for _, p in by_lang[col]]
        _, _, f1, _support = precision_recall_fscore_support(y_true, y_pred, labels=intents, zero_division=0)
        scores[col] = {i: f for i, f in zip(intents, f1, strict=False)}
        scores[col]["__macro__"] = f1_score(y_true, y_pred, labels=intents, average="macro", zero_division=0)
        scores[col]["__n__"] = len(y_true)
    lines = ["| intent | " + " | ".join(f"F1 {c}" for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for intent in intents:
        lines.append(f"| {intent} | " + " | ".join(f"{scores[c][intent]:.3f}" for c in cols) + " |")
    lines.append("| **macro F1** | " + " | ".join(f"**{scores[c]['__macro__']:.3f}**" for c in cols) + " |")
    lines.append("| examples | " + " | ".join(str(int(scores[c]["__n__"])) for c in cols) + " |")
    return "\n".join(lines)


def entity_table(results: Path) -> str:
    """Precision/recall/F1 per entity from Rasa's report of the entity extractor(s)."""
    lines = []
    for path in sorted(results.glob("*EntityExtractor_report.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        lines += [f"\n\n{path.name.split('_report')[0]}, entities over all folds:\n",
                  "| entity | precision | recall | F1 | examples |", "|---|---|---|---|---|"]
        for name, row in report.items():
            if isinstance(row, dict) and "f1-score" in row and not name.endswith("avg"):
                lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} "
                             f"| {row['support']} |")
    return "\n".join(lines)


def main(results_dir: str, readme: str) -> None:
    rows = load_predictions(Path(results_dir))
    if not rows:
        sys.exit(f"no predictions in {results_dir} (run rasa test nlu with --successes)")
    report = table(rows, languages()) + entity_table(Path(results_dir))
    print(report)
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        path.write_text(f"{head}{START}\n{report}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
