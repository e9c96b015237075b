"""Progress of long commands (`courses sync`, `forums reindex`, `demo`, the bench
generator): a bar on a terminal, plain lines otherwise (a cron log, CI, a pipe
stay readable: one line per tenth of the work), and a summary at the end.

Services never print: they take an optional `on_progress(done, total, item)`
callback, and the command passes `Progress.update`.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click


class Progress:
    """Report `done` out of `total` steps of `label` to `stream` (stderr, so
    that a command's normal output can still be piped)."""

    def __init__(self, label: str, *, stream: TextIO | None = None, tty: bool | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started = time.perf_counter()
        self.done = 0
        self.total = 0
        self._bar = None
        self._next_tenth = 1

    def update(self, done: int, total: int, item: str = "") -> None:
        """Step `done` of `total` is finished (`item` names it, on a terminal)."""
        if total <= 0:
            return
        self.done, self.total = min(done, total), total
        if self.tty:
            if self._bar is None:
                self._bar = click.progressbar(length=total, label=self.label, file=self.stream,
                                              show_pos=True, item_show_func=lambda x: x)
                self._bar.__enter__()
            self._bar.current_item = item[:40] or None
            self._bar.update(self.done - self._bar.pos)
            return
        # Plain lines: one per tenth reached (10 %, 20 %… 100 %).
        tenth = self.done * 10 // total
        if tenth >= self._next_tenth:
            self._next_tenth = tenth + 1
            self._line()

    def _line(self) -> None:
        percent = self.done * 100 // self.total
        click.echo(f"{self.label} : {self.done}/{self.total} ({percent} %)", file=self.stream)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def close(self) -> None:
        """End the bar (on a terminal) so that the next output starts a new line."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def finish(self, summary: str) -> None:
        """Close the bar and print the summary line (with the time taken) on stdout."""
        self.close()
        click.echo(f"{summary} ({self.elapsed():.1f} s)")
