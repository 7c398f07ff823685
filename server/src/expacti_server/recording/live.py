"""A recording this process is writing: its clock, its size cap, and who is watching it live."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from expacti_server.db.base import utcnow
from expacti_server.recording import cast
from expacti_server.recording.store import RecordingStore

# Room kept below the cap for the marker that says the recording was truncated.
TRUNCATION_RESERVE = 256
WATCHER_QUEUE = 4096


@dataclass(eq=False)
class Watcher:
    """One live viewer: the lines written after it subscribed, then None when it ends."""

    queue: asyncio.Queue[bytes | None] = field(default_factory=lambda: asyncio.Queue(WATCHER_QUEUE))
    lagging: bool = False  # it fell too far behind and was dropped


@dataclass(eq=False)
class LiveRecording:
    """The state of one open recording file. Writes go through ``lock``, so events keep
    their order and a new watcher sees each line exactly once (snapshot or queue)."""

    id: str
    org_id: str
    key: str
    session_id: str | None
    started_at: datetime
    width: int
    height: int
    size: int  # bytes written so far
    cap: int
    store: RecordingStore
    truncated: bool = False
    last_time: float = 0.0
    commands: int = 0
    running: set[str] = field(default_factory=set)  # command ids whose run has not ended
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    watchers: set[Watcher] = field(default_factory=set)

    def clock(self) -> float:
        """Seconds since the recording started, never earlier than the last event."""
        return max(self.last_time, (utcnow() - self.started_at).total_seconds())

    async def write(self, events: Sequence[tuple[float, str, str]]) -> int:
        """Append events (times clamped so they never go back); returns the bytes of output
        (``o``) written. Past the cap one truncation marker is written, then nothing."""
        if self.truncated or not events:
            return 0
        lines: list[bytes] = []
        size, output = self.size, 0
        for time, code, data in events:
            time = max(time, self.last_time)
            line = cast.event(time, code, data)
            if size + len(line) > self.cap - TRUNCATION_RESERVE:
                note = f"expacti: recording truncated at {size} bytes (cap {self.cap})"
                lines.append(cast.event(time, "m", note))
                self.truncated = True
                break
            lines.append(line)
            size += len(line)
            self.last_time = time
            if code == "o":
                output += len(data.encode())
        blob = b"".join(lines)
        await self.store.append(self.key, blob)
        self.size += len(blob)
        self._tell(lines)
        return output

    def watch(self) -> tuple[int, Watcher]:
        """Subscribe (call with ``lock`` held): the size already written, and the watcher
        that receives every line after it."""
        watcher = Watcher()
        self.watchers.add(watcher)
        return self.size, watcher

    def close_watchers(self) -> None:
        """The recording ended: every viewer is told."""
        for watcher in self.watchers:
            try:
                watcher.queue.put_nowait(None)
            except asyncio.QueueFull:
                watcher.lagging = True
        self.watchers.clear()

    def _tell(self, lines: list[bytes]) -> None:
        for watcher in list(self.watchers):
            try:
                for line in lines:
                    watcher.queue.put_nowait(line)
            except asyncio.QueueFull:
                watcher.lagging = True  # the viewer reconnects and reads the file again
                self.watchers.discard(watcher)
