"""What the analysing commands show and write: the progress bar, the summary, the files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from parley.errors import InputError

__all__ = ["ProgressBar", "print_summary", "write_output"]

_BAR_WIDTH = 30


class ProgressBar:
    """Progress on stderr: a redrawn bar on a terminal, one line per stage elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.stage = ""
        self.shown = -1

    def __call__(self, stage: str, percent: float, message: str) -> None:
        if self.tty:
            whole = int(percent)
            if whole == self.shown and stage == self.stage:
                return  # redraw only when something visible changes
            self.shown, self.stage = whole, stage
            filled = _BAR_WIDTH * whole // 100
            bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {whole:3d}%  {message[:40]:<40}")
            self.stream.flush()
        elif stage != self.stage:
            self.stage = stage
            self.stream.write(f"{percent:5.1f}%  {stage}: {message}\n")
            self.stream.flush()

    def line(self, text: str) -> None:
        if self.tty and self.shown >= 0:
            self.stream.write("\r" + " " * (_BAR_WIDTH + 50) + "\r")
            self.shown = -1
        self.stream.write(text + "\n")
        self.stream.flush()


def print_summary(result: dict[str, Any], out: TextIO) -> None:
    """The result's title and headlines, as `parley analyze` prints them."""
    title = result.get("title")
    if title:
        out.write(f"{title}\n")
    for headline in result["summary"]["headlines"]:
        out.write(f"  • {headline}\n")
    out.flush()


def write_output(path: str, text: str, what: str, newline: str | None = None) -> None:
    """Write `text` to the file `path` (- for standard output); InputError if it cannot."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(path).write_text(text, encoding="utf-8", newline=newline)
    except OSError as exc:
        raise InputError(f"cannot write the {what} to {path}: {exc.strerror or exc}") from None
