"""Stream the items of a (possibly gzipped) JSON array without loading it whole.

ijson's C backend parses incrementally; we count the bytes handed to it so a
syntax error can be reported as ``file: line L, column C`` (the position of the
error in the decompressed text), which is what a person needs to fix it.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from transforms.errors import SourceError

_CHUNK = 1 << 16


MAX_DEPTH = 64
"""Deepest nesting of arrays and objects a dump may have. The real evaluation tables nest about
25 deep (task, subtasks, datasets, sota, rows, metrics); a parser that builds ever deeper
containers is the cost of a hostile file (100,000 brackets), so the bytes are checked first."""

MAX_ITEM_BYTES = 64 * 1024 * 1024
"""Largest top-level item (one task tree) of a dump, decompressed. The largest real one is 4.2 MB;
a small gzip file can expand into one endless string, which must stop here, not fill memory."""


class _CountingReader(io.RawIOBase):
    """Counts bytes read and remembers the last chunk, for error positions; checks, before the
    parser sees them, that the bytes nest at most MAX_DEPTH deep and that no top-level item is
    longer than MAX_ITEM_BYTES (DepthGuard)."""

    def __init__(self, raw: BinaryIO, label: str) -> None:
        self.raw = raw
        self.consumed = 0
        self.last_chunk = b""
        self.guard = DepthGuard(label)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if data:
            self.guard.feed(data, self.consumed)
            self.last_chunk = data
        self.consumed += len(data)
        return data


class DepthGuard:
    """Tracks JSON nesting depth across chunks, outside strings, with vectorised scans (numpy):
    a few hundred MB of dump cost well under a second."""

    def __init__(self, label: str, max_depth: int = MAX_DEPTH, max_item: int = MAX_ITEM_BYTES) -> None:
        self.label = label
        self.max_depth = max_depth
        self.max_item = max_item
        self.depth = 0
        self.in_string = False
        self.item_start = 0  # offset where depth last stood at 1 or less (a top-level item began)

    def feed(self, data: bytes, offset: int) -> None:
        import numpy as np

        b = np.frombuffer(data, dtype=np.uint8)
        # Only quotes and brackets matter: work on their positions, a fraction of the bytes.
        pos = np.flatnonzero(_KIND[b])
        kind = _KIND[b[pos]]
        is_quote = kind == 1
        quote_pos = pos[is_quote]
        if len(quote_pos):
            # A quote is escaped when an odd run of backslashes stands right before it (rare: \").
            candidates = quote_pos[(quote_pos > 0) & (b[quote_pos - 1] == 0x5C)].tolist()
            escaped = {q for q in candidates if _backslashes_before(data, q) % 2 == 1}
            if quote_pos[0] == 0 and self._carry_run % 2 == 1:
                escaped.add(0)
            if escaped:
                keep = ~np.isin(pos, np.fromiter(escaped, dtype=np.int64))
                pos, kind = pos[keep], kind[keep]
                is_quote = kind == 1
        tail = len(data) - len(data.rstrip(b"\\"))
        self._carry_run = tail if tail < len(data) else self._carry_run + tail
        # Inside a string (its opening quote included, its closing one not), a bracket is text.
        quotes_before = np.cumsum(is_quote) - is_quote
        inside = (quotes_before + int(self.in_string)) % 2 == 1
        step = _STEP_BY_KIND[kind]
        step[inside | is_quote] = 0
        depth = np.cumsum(step, dtype=np.int64) + self.depth
        if len(depth):
            if int(depth.max()) > self.max_depth:
                at = offset + int(pos[np.argmax(depth > self.max_depth)])
                raise SourceError(
                    f"{self.label}: arrays and objects nest deeper than {self.max_depth} levels near byte "
                    f"{at:,} (the archive's dumps nest about 25 deep); the file is not a dump"
                )
            shallow = np.flatnonzero(depth <= 1)
            if len(shallow):
                self.item_start = offset + int(pos[shallow[-1]]) + 1
            self.depth = int(depth[-1])
            self.in_string = (int(self.in_string) + int(is_quote.sum())) % 2 == 1
        if offset + len(data) - self.item_start > self.max_item:
            raise SourceError(
                f"{self.label}: a top-level item runs past {self.max_item // (1024 * 1024)} MB from byte "
                f"{self.item_start:,} (the largest real one is 4 MB); the file is not a dump"
            )

    _carry_run = 0
    """Backslashes at the end of the bytes seen so far (they may escape the next chunk's first quote)."""


def _backslashes_before(data: bytes, at: int) -> int:
    n = 0
    while at - n - 1 >= 0 and data[at - n - 1] == 0x5C:
        n += 1
    return n


def _kinds() -> tuple[Any, Any]:
    import numpy as np

    kind = np.zeros(256, dtype=np.int8)
    kind[0x22] = 1
    kind[[0x5B, 0x7B]] = 2
    kind[[0x5D, 0x7D]] = 3
    step = np.array([0, 0, 1, -1], dtype=np.int8)
    return kind, step


_KIND, _STEP_BY_KIND = _kinds()


class _HashingFile(io.RawIOBase):
    """The file's bytes as read, fed to ``digest`` on the way (hash while parsing: one read)."""

    def __init__(self, raw: BinaryIO, digest: Any) -> None:
        self.raw = raw
        self.digest = digest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        """Hash the rest of the file (bytes after the JSON value, a gzip trailer not yet read)."""
        while self.read(_CHUNK):
            pass

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_bytes(path: Path, digest: Any = None) -> BinaryIO:
    """Open plain or gzip JSON (detected by magic bytes, not by name).

    With ``digest`` (a hashlib object) every byte of the file is fed to it as it is read.
    """
    fh: Any = path.open("rb")
    magic = fh.read(2)
    fh.seek(0)
    if digest is not None:
        fh = _HashingFile(fh, digest)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh  # type: ignore[no-any-return]


def iter_items(path: Path, label: str, digest: Any = None) -> Iterator[tuple[int, Any]]:
    """Yield ``(index, item)`` for each element of the top-level array.

    A top-level object is treated as an array of one (some hand-written
    leaderboard files hold a single task). Floats come back as ``float``.
    With ``digest`` (a hashlib object), the whole file is hashed as it is read.
    """
    try:
        yield from _iter_items(path, label, digest)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{label}: cannot read: {exc} (is the file truncated or not gzip?)") from None


def _iter_items(path: Path, label: str, digest: Any) -> Iterator[tuple[int, Any]]:
    with open_bytes(path, digest) as raw:
        reader = _CountingReader(raw, label)
        first = _first_significant_byte(reader)
        prefix = "item" if first == b"[" else ""
        stream = io.BufferedReader(_Replay(first, reader), buffer_size=_CHUNK)
        index = -1
        try:
            for index, item in enumerate(ijson.items(stream, prefix, use_float=True, buf_size=_CHUNK)):
                yield index, item
            hashing = getattr(raw, "fileobj", raw)
            if isinstance(hashing, _HashingFile):
                hashing.drain()
        except ijson.JSONError as exc:
            raise SourceError(_describe(path, label, reader, exc, index + 1)) from None
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{label}: cannot read after top-level item {index + 1}: {exc}") from None


class _Replay(io.RawIOBase):
    """Put back the byte we peeked at."""

    def __init__(self, head: bytes, rest: _CountingReader) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.head:
            n = len(self.head)
            b[:n] = self.head
            self.head = b""
            return n
        data = self.rest.read(len(b))
        b[: len(data)] = data
        return len(data)


def _first_significant_byte(reader: _CountingReader) -> bytes:
    skipped = b""
    while True:
        ch = reader.read(1)
        if not ch:
            return b""
        if ch in b" \t\r\n" or (ch in b"\xef\xbb\xbf" and len(skipped) < 3):
            skipped += ch
            continue
        return ch


_SNIPPET = re.compile(r"\n\s*(?P<text>.*)\n\s*\(right here\) -*\^", re.DOTALL)


def _describe(path: Path, label: str, reader: _CountingReader, exc: Exception, item: int) -> str:
    """Turn an ijson error into ``label: line L, column C: reason (in item N)``."""
    message = str(exc).strip()
    reason = message.splitlines()[0] if message else type(exc).__name__
    offset = _locate(reader, message)
    where = f"near byte {reader.consumed}" if reader.consumed else "the start (the file is empty)"
    if offset is not None:
        line, col = _line_col(path, offset)
        where = f"line {line}, column {col}"
    return f"{label}: invalid JSON {'at ' if offset is not None else ''}{where}: {reason} (top-level item {item})"


def _locate(reader: _CountingReader, message: str) -> int | None:
    """Find the error's byte offset from yajl's context snippet within the last chunk."""
    match = _SNIPPET.search(message)
    chunk = reader.last_chunk
    if not match or not chunk:
        return None
    lines = message.splitlines()
    snippet, marker = lines[1], lines[2]
    col_in_snippet = marker.index("^")
    # yajl prints up to 30 bytes either side, with newlines shown as spaces.
    start_in_snippet = len(snippet) - len(snippet.lstrip())
    text = snippet[start_in_snippet:].encode()
    flat = chunk.replace(b"\n", b" ").replace(b"\r", b" ").replace(b"\t", b" ")
    pos = flat.rfind(text)
    if pos < 0:
        return None
    chunk_start = reader.consumed - len(chunk)
    # The caret stands just past the offending byte.
    return max(chunk_start + pos + (col_in_snippet - start_in_snippet) - 1, 0)


def _line_col(path: Path, offset: int) -> tuple[int, int]:
    line, last_nl, seen = 1, -1, 0
    with open_bytes(path) as fh:
        while seen < offset:
            block = fh.read(min(_CHUNK, offset - seen))
            if not block:
                break
            count = block.count(b"\n")
            if count:
                line += count
                last_nl = seen + block.rfind(b"\n")
            seen += len(block)
    return line, offset - last_nl
