"""An HTTP store server that lies, for the client's bounded-read tests.

Serves a real store directory from 127.0.0.1 (a free port), except for the paths given an
attack; each attack ends by itself (when the client hangs up, or after ``max_seconds``), so a
broken client cannot make a test hang forever:

- ``endless``: 200, no Content-Length, bytes forever (a store that never stops talking);
- ``gzip-bomb``: 200 with ``Content-Encoding: gzip``: about 1 MB that expands to 1 GB;
- ``drip``: 200, a Content-Length, then one byte every ``drip_seconds``;
- ``trickle``: 200, the real file at ``trickle_rate`` bytes/s (above a minimum rate, below any
  reasonable deadline);
- ``body:<text>``: 200 with the given body instead of the file (nested JSON, bad numbers, ...).
"""

from __future__ import annotations

import gzip
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


@cache
def gzip_bomb(expanded: int = 1 << 30) -> bytes:
    """gzip bytes (about 1 MB) that expand to ``expanded`` zero bytes."""
    out = io.BytesIO()
    block = bytes(1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(expanded // len(block)):
            gz.write(block)
    return out.getvalue()


@dataclass
class HostileServer:
    root: Path
    attacks: dict[str, str] = field(default_factory=dict)
    drip_seconds: float = 5.0
    trickle_rate: int = 4096
    max_seconds: float = 120.0
    sent: dict[str, int] = field(default_factory=dict)
    """Body bytes written per attacked path."""
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HostileServer:
        handler = type("Handler", (_Handler,), {"state": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up mid-attack is the expected outcome, not an error to print


@contextmanager
def serve_hostile(root: Path, attacks: dict[str, str], **options: float) -> Iterator[HostileServer]:
    server = HostileServer(root, dict(attacks), **options).start()  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


class _Handler(BaseHTTPRequestHandler):
    state: HostileServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        attack = self.state.attacks.get(rel)
        target = (self.state.root / rel).resolve()
        try:
            if attack is None:
                self._serve_file(target)
            else:
                self._attack(rel, attack, target)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: what these attacks are for

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def _serve_file(self, target: Path) -> None:
        if not target.is_file():
            self._head(404, {"Content-Length": "0"})
            return
        data = target.read_bytes()
        self._head(200, {"Content-Length": str(len(data)), "Content-Type": "application/octet-stream"})
        self.wfile.write(data)

    def _count(self, rel: str, n: int) -> None:
        self.state.sent[rel] = self.state.sent.get(rel, 0) + n

    def _attack(self, rel: str, attack: str, target: Path) -> None:
        state, started = self.state, time.monotonic()
        alive = lambda: time.monotonic() - started < state.max_seconds
        if attack == "endless":
            self.close_connection = True
            self._head(200, {"Content-Type": "application/json", "Connection": "close"})
            block = b" " * (64 << 10)
            while alive():
                self.wfile.write(block)
                self._count(rel, len(block))
        elif attack == "gzip-bomb":
            body = gzip_bomb()
            self._head(200, {"Content-Length": str(len(body)), "Content-Encoding": "gzip"})
            self.wfile.write(body)
            self._count(rel, len(body))
        elif attack == "drip":
            self._head(200, {"Content-Length": str(1 << 20)})
            while alive():
                self.wfile.write(b" ")
                self.wfile.flush()
                self._count(rel, 1)
                time.sleep(state.drip_seconds)
        elif attack == "trickle":
            data = target.read_bytes()
            self._head(200, {"Content-Length": str(len(data))})
            step = max(1, state.trickle_rate // 10)
            for i in range(0, len(data), step):
                if not alive():
                    break
                self.wfile.write(data[i : i + step])
                self.wfile.flush()
                self._count(rel, len(data[i : i + step]))
                time.sleep(0.1)
        elif attack.startswith("body:"):
            body = attack.removeprefix("body:").encode("utf-8", "surrogateescape")
            self._head(200, {"Content-Length": str(len(body))})
            self.wfile.write(body)
        else:
            raise ValueError(f"unknown attack {attack!r}")
