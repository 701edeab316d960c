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


class _CountingReader(io.RawIOBase):
    """Counts bytes read and remembers the last chunk, for error positions."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0
        self.last_chunk = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.consumed += len(data)
        if data:
            self.last_chunk = data
        return data

    def readinto(self, b: Any) -> int:  # pragma: no cover - ijson uses read()
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


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
        reader = _CountingReader(raw)
        first = _first_significant_byte(reader)
        prefix = "item" if first == b"[" else ""
        stream = io.BufferedReader(_Replay(first, reader), buffer_size=_CHUNK)
        index = -1
        try:
            for index, item in enumerate(ijson.items(stream, prefix, use_float=True)):
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
