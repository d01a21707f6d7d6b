"""A fake Twilio Messages API on loopback (threaded, synchronous), for worker subprocesses.

It records every message it accepts — duplicates included, so a double send shows — and
can block on the Nth message *after* recording it: the provider has the message but the
worker never hears back, the worst moment for a crash.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeTwilioServer:
    def __init__(self, block_at: int | None = None) -> None:
        self.block_at = block_at
        self.received: list[dict[str, str]] = []
        self.blocked = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeTwilioServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def to_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for msg in self.received:
            counts[msg["To"]] = counts.get(msg["To"], 0) + 1
        return counts

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker was killed while we held its request

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
                with fake._lock:
                    sid = f"SM{len(fake.received) + 1:032d}"
                    fake.received.append({**form, "sid": sid})
                    number = len(fake.received)
                if fake.block_at is not None and number == fake.block_at:
                    fake.blocked.set()
                    fake.release.wait(60)  # the worker is killed meanwhile
                self._json(201, {"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                                 "body": form.get("Body", ""), "account_sid": "AC" + "0" * 32})

            def do_GET(self) -> None:  # noqa: N802
                query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                with fake._lock:
                    found = [m for m in reversed(fake.received)
                             if m.get("To") == query.get("To", m.get("To"))
                             and m.get("From") == query.get("From", m.get("From"))]
                messages = [{"sid": m["sid"], "to": m.get("To"), "from": m.get("From"), "body": m.get("Body", ""),
                             "status": "sent", "account_sid": "AC" + "0" * 32} for m in found]
                self._json(200, {"messages": messages, "next_page_uri": None, "page": 0, "page_size": 50,
                                 "start": 0, "end": len(messages), "uri": self.path, "first_page_uri": self.path,
                                 "previous_page_uri": None})

        return Handler
