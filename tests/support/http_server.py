"""A real HTTP file server for tests: Range requests, a request log and fault hooks.

``ThreadingHTTPServer`` on 127.0.0.1 (a free port) serving one directory from a
background thread. Paths in the hooks are URL paths relative to the root without
the leading slash, e.g. ``"2026-01-02.0/parquet/results.parquet"``.

- ``fail_after_bytes[path] = n``: the next GET of ``path`` sends its headers and
  ``n`` bytes of the body, then closes the connection (once; the entry is removed).
  A list ``[n1, n2, ...]`` does so for as many GETs, one entry each.
- ``faults[path] = ["drop", "503", "429", ...]``: each GET of ``path`` takes the next fault:
  ``drop`` closes the connection before any answer, a number answers with that status (and
  ``Retry-After: 0``); the file is served once the list is empty.
- ``corrupt.add(path)``: every response for ``path`` has one byte flipped.
- ``ignore_range.add(path)``: Range headers for ``path`` are ignored (200, whole file).

Usage::

    with serve_directory(tmp_path) as server:
        download_release(server.url, ...)
        server.log  # [RequestRecord(...), ...]
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

_RANGE_RE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    range: str | None
    status: int
    body_bytes: int
    """Body bytes actually written to the socket."""


@dataclass
class FileServer:
    root: Path
    fail_after_bytes: dict[str, int | list[int]] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    corrupt: set[str] = field(default_factory=set)
    ignore_range: set[str] = field(default_factory=set)
    log: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def requests_for(self, path: str) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def start(self) -> FileServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="test-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.log.append(record)

    def _take_failure(self, path: str) -> int | None:
        with self._lock:
            planned = self.fail_after_bytes.get(path)
            if isinstance(planned, list):
                n = planned.pop(0) if planned else None
                if not planned:
                    self.fail_after_bytes.pop(path, None)
                return n
            return self.fail_after_bytes.pop(path, None)

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            planned = self.faults.get(path)
            return planned.pop(0) if planned else None


@contextmanager
def serve_directory(root: str | Path) -> Iterator[FileServer]:
    """Serve ``root`` over HTTP for the duration of the block."""
    server = FileServer(Path(root)).start()
    try:
        yield server
    finally:
        server.stop()


class _Handler(BaseHTTPRequestHandler):
    server_state: FileServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms stalls

    def log_message(self, format: str, *args: object) -> None:
        pass  # the request log is kept in server_state.log instead

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        state = self.server_state
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        range_header = self.headers.get("Range")
        target = (state.root / rel).resolve()
        if not target.is_relative_to(state.root.resolve()) or not target.is_file():
            self._reply(404, b"not found\n", {"Content-Type": "text/plain"}, rel, range_header, send_body)
            return

        fault = state._take_fault(rel) if send_body else None
        if fault == "drop":
            state._record(RequestRecord(self.command, rel, range_header, 0, 0))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None:
            status = int(fault)
            self._reply(status, b"busy\n", {"Retry-After": "0"}, rel, range_header, send_body)
            return

        data = target.read_bytes()
        if rel in state.corrupt and data:
            i = len(data) // 2
            data = data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]
        size = len(data)
        status, start, end = 200, 0, size  # end exclusive
        m = _RANGE_RE.match(range_header or "")
        if m and rel not in state.ignore_range:
            start = int(m[1])
            if start >= size:
                self._reply(416, b"", {"Content-Range": f"bytes */{size}"}, rel, range_header, send_body)
                return
            end = min(size, int(m[2]) + 1) if m[2] else size
            status = 206
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        body = data[start:end]
        fail_after = state._take_failure(rel) if send_body else None
        if fail_after is not None and fail_after < len(body):
            self._send_head(status, headers, len(body))
            self.wfile.write(body[:fail_after])
            self.wfile.flush()
            state._record(RequestRecord(self.command, rel, range_header, status, fail_after))
            # Abrupt end: the client sees fewer bytes than Content-Length promised.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._reply(status, body, headers, rel, range_header, send_body)

    def _send_head(self, status: int, headers: dict[str, str], length: int) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _reply(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        rel: str,
        range_header: str | None,
        send_body: bool,
    ) -> None:
        self._send_head(status, headers, len(body))
        if send_body:
            self.wfile.write(body)
        self.server_state._record(
            RequestRecord(self.command, rel, range_header, status, len(body) if send_body else 0)
        )
