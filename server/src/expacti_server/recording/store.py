"""Where recording files live: the ``RecordingStore`` interface and the data-dir store.

A recording is written append-only, header first, one asciicast line per
write, so a server that dies mid-session leaves a file that plays up to its
last complete line. Another store (S3-compatible object storage, say) only
has to implement this interface; docs/RECORDING.md says what each method
must guarantee.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from expacti_server.errors import NotFound

READ_CHUNK = 64 * 1024


class RecordingStore(Protocol):
    """Append-only storage of recording files, addressed by key (``<org>/<recording>.cast``)."""

    async def create(self, key: str, header: bytes) -> None:
        """Start a file with its header line, durably, before any event is appended."""

    async def append(self, key: str, data: bytes) -> None:
        """Append complete lines; once this returns they survive a crash of the server."""

    async def size(self, key: str) -> int:
        """The file's length in bytes so far."""

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``[start, end)`` of the file, in chunks."""

    async def finish(self, key: str) -> None:
        """Nothing more will be appended: flush to stable storage and release resources."""

    async def delete(self, key: str) -> None:
        """Remove the file (retention); a missing file is not an error."""


class FileRecordingStore:
    """Recordings as files under ``<data dir>/recordings``, one directory per org."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._open: dict[str, int] = {}

    def _path(self, key: str) -> Path:
        # Keys are built from our own ids (``org_…/rec_….cast``), never from input;
        # refuse anything else rather than trust that.
        parts = key.split("/")
        if len(parts) != 2 or any(not p or p.startswith(".") for p in parts):
            raise ValueError(f"bad recording key {key!r}")
        return self._root / parts[0] / parts[1]

    async def create(self, key: str, header: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        os.write(fd, header)
        os.fsync(fd)
        self._open[key] = fd

    async def append(self, key: str, data: bytes) -> None:
        fd = self._open.get(key)
        if fd is None:  # after a restart: the file goes on where it stopped
            fd = os.open(self._path(key), os.O_WRONLY | os.O_APPEND)
            self._open[key] = fd
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    async def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NotFound("the recording's file is gone", key=key) from None

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound("the recording's file is gone", key=key) from None
        with handle:
            handle.seek(start)
            remaining = None if end is None else max(0, end - start)
            while remaining is None or remaining > 0:
                chunk = handle.read(READ_CHUNK if remaining is None else min(READ_CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def finish(self, key: str) -> None:
        fd = self._open.pop(key, None)
        if fd is not None:
            os.fsync(fd)
            os.close(fd)

    async def delete(self, key: str) -> None:
        await self.finish(key)
        self._path(key).unlink(missing_ok=True)
