"""Plays generated scripts against real servers over REST and checks the invariants.

Conversations run in parallel (each its own sender id, so its own tracker); a sample of the
button turns is forked to check that typing a button's title leads to the same next action
as pressing it.
"""
from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import yaml
from sqlalchemy import create_engine, text

from bot.settings import ROOT

from tests.explorer.grammar import ANSWERS, Answer, Button, Expire, Say, Script, generate
from tests.explorer.invariants import BUTTON_INVARIANT, EXPIRED, INVARIANTS, Transcript, Turn, check


SESSION_MINUTES = int(yaml.safe_load((ROOT / "domain.yml").read_text())["session_config"]["session_expiration_time"])


@dataclass
class Result:
    """One conversation played: its script, transcript and violations."""
    script: Script
    transcript: Transcript
    violations: dict[str, list[str]]


@dataclass
class Report:
    """A whole run: counts for the table and the violating conversations."""
    seed: int
    conversations: int = 0
    turns: int = 0
    seconds: float = 0.0
    by_invariant: Counter = field(default_factory=Counter)
    failures: list[Result] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The figures as a small text table."""
        rows = [("conversations", self.conversations), ("turns", self.turns),
                ("seconds", f"{self.seconds:.0f}"), ("errors", len(self.errors))]
        rows += [(f"violations: {name}", self.by_invariant.get(name, 0))
                 for name in (*INVARIANTS, BUTTON_INVARIANT)]
        width = max(len(r[0]) for r in rows)
        return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


class Player:
    """Talks to one Rasa server's REST channel; one HTTP client per thread.

    With ``db_url`` (the servers' database, where the tracker store keeps the events) it can
    also make a session expire, as if the debtor had been silent for longer than a session.
    """

    def __init__(self, rasa_url: str, token: str, db_url: str | None = None) -> None:
        self.rasa_url, self.token = rasa_url, token
        self._local = threading.local()
        self._engine = create_engine(db_url, future=True) if db_url else None

    @property
    def http(self) -> httpx.Client:
        if not hasattr(self._local, "http"):
            self._local.http = httpx.Client(timeout=120)
        return self._local.http

    def say(self, sender: str, message: str) -> list[dict]:
        """One message through the REST channel; the assistant's replies."""
        response = self.http.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                  json={"sender": sender, "message": message})
        response.raise_for_status()
        return response.json()

    def last_actions(self, sender: str) -> list[str]:
        """The actions the assistant ran after the debtor's last message (from the tracker)."""
        response = self.http.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                 params={"token": self.token})
        response.raise_for_status()
        events = response.json().get("events", [])
        last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
        return [e["name"] for e in events[last_user + 1:] if e.get("event") == "action"]

    def expire(self, sender: str) -> None:
        """Age every event of ``sender`` by more than a session (domain.yml's session_expiration_time),
        so Rasa starts a new session at the next message exactly as after a real silence."""
        if self._engine is None:
            raise RuntimeError("expiring a session needs the servers' database (db_url)")
        shift = SESSION_MINUTES * 60 + 60
        with self._engine.begin() as db:
            rows = db.execute(text("SELECT id, timestamp, data FROM events WHERE sender_id = :s"), {"s": sender}).all()
            for row_id, stamp, data in rows:
                event = json.loads(data)
                event["timestamp"] = float(event.get("timestamp") or stamp) - shift
                db.execute(text("UPDATE events SET timestamp = :t, data = :d WHERE id = :i"),
                           {"t": float(stamp) - shift, "d": json.dumps(event), "i": row_id})

    def send(self, sender: str, user: str) -> list[dict]:
        """Replay one turn's user side: a message, or the silence of an expired session."""
        if user == EXPIRED:
            self.expire(sender)
            return []
        return self.say(sender, user)

    def play(self, script: Script) -> Transcript:
        """Send every step of the script; resolve button steps against the previous reply."""
        transcript: Transcript = []
        for step in script.steps:
            if isinstance(step, Expire):
                self.expire(script.sender)
                transcript.append(Turn(EXPIRED, []))
                continue
            message = resolve(step, transcript)
            if message is None:
                continue  # the bot offered no such button: the debtor says nothing of it
            transcript.append(Turn(message, self.say(script.sender, message)))
        return transcript

    def button_typed_same_action(self, script: Script, transcript: Transcript, rng: random.Random) -> list[str]:
        """Fork at one button turn: pressing and typing the title must run the same next actions."""
        offered = [i for i, turn in enumerate(transcript) if turn.buttons]
        if not offered:
            return []
        at = rng.choice(offered)
        button = rng.choice(transcript[at].buttons)
        title, payload = button.get("title") or "", button.get("payload") or ""
        if not title or not payload:
            return []
        actions = []
        for how, message in (("pressed", payload), ("typed", title)):
            sender = f"{script.sender}-{how}"
            for turn in transcript[:at + 1]:
                self.send(sender, turn.user)
            self.say(sender, message)
            actions.append(self.last_actions(sender))
        if actions[0] != actions[1]:
            return [f"after turn {at}: button {title!r} pressed -> {actions[0]}, typed -> {actions[1]}"]
        return []


def resolve(step: Say | Button | Answer, transcript: Transcript) -> str | None:
    """The text to send for a step: a button's payload or title, the typed text, or an answer.

    ``None``: nothing to answer (the bot asked nothing this step knows), the step is skipped.
    """
    if isinstance(step, Say):
        return step.text
    if isinstance(step, Answer):
        said = " ".join(transcript[-1].texts) if transcript else ""
        for phrases, answers in ANSWERS:
            if any(p in said for p in phrases):
                lang = "en" if any(p in said for p in phrases[1::2]) else "it"
                options = answers[lang]
                return options[step.variant % len(options)]
        if not transcript or not [b for b in transcript[-1].buttons if b.get("payload") != "/request_human"]:
            return None
        step = Button(step.variant % 2, step.typed)
    offered = transcript[-1].buttons if transcript else []
    # The standing "talk to a person" button is never the answer to a question.
    offered = [b for b in offered if b.get("payload") != "/request_human"]
    if not offered:
        return None
    button = offered[min(step.pick, len(offered) - 1)]
    return (button.get("title") if step.typed else button.get("payload")) or None


def explore(rasa_url: str, token: str, n: int, seed: int, workers: int = 4,
            button_sample: float = 0.05, db_url: str | None = None) -> Report:
    """Play ``n`` generated conversations and check every invariant on each (``db_url``: see ``Player``)."""
    player = Player(rasa_url, token, db_url)
    report = Report(seed=seed)
    lock = threading.Lock()
    started = time.monotonic()

    def one(index: int) -> None:
        script = generate(seed, index)
        try:
            transcript = player.play(script)
            violations = check(transcript)
            rng = random.Random(f"{seed}:{index}:button")
            if rng.random() < button_sample:
                if found := player.button_typed_same_action(script, transcript, rng):
                    violations[BUTTON_INVARIANT] = found
        except httpx.HTTPError as exc:
            with lock:
                report.errors.append(f"seed {seed} index {index}: {exc!r}")
            return
        with lock:
            report.conversations += 1
            report.turns += len(transcript)
            for name in violations:
                report.by_invariant[name] += 1
            if violations:
                report.failures.append(Result(script, transcript, violations))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(n)))
    report.seconds = time.monotonic() - started
    report.failures.sort(key=lambda r: r.script.index)
    return report


def first_by_invariant(report: Report) -> dict[str, Result]:
    """The first violating conversation of each violated invariant."""
    first: dict[str, Result] = {}
    for result in report.failures:
        for name in result.violations:
            first.setdefault(name, result)
    return first


def describe(result: Result) -> str:
    """A violating conversation, readable and reproducible (seed + index)."""
    s = result.script
    lines = [f"seed {s.seed} index {s.index} ({s.language}, {s.journey}, {', '.join(s.traits) or 'plain'})"]
    for name, found in result.violations.items():
        lines += [f"  ! {name}: {v}" for v in found[:3]]
    for turn in result.transcript:
        lines.append(f"  > {turn.user}")
        for m in turn.messages:
            extra = f"  [{', '.join(b.get('title', '') for b in m.get('buttons') or [])}]" if m.get("buttons") else ""
            lines.append(f"    < {(m.get('text') or '').strip()[:160]}{extra}")
    return "\n".join(lines)
