"""What an input no format claims looks like, so the error says more than "no known
format": the closest format and the first line that does not fit it, or the shape of a
JSON document no parser reads.

Each line shape is the one a format's messages start with; the closest format is the one
whose shape most of the first lines have (a WhatsApp export with a mangled line, a LINE
export without its header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ._source import Source

__all__ = ["Closest", "closest", "json_shape"]

_SAMPLE_LINES = 40
_LINE_SHAPES = (
    ("whatsapp", re.compile(r"^\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},? \d{1,2}[:.]\d{2}")),
    ("signal", re.compile(r"^\[\d{4}-\d{2}-\d{2},? \d{2}:\d{2}\] ")),
    ("imessage", re.compile(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2}, \d{4} ")),
    ("line", re.compile(r"^(?:午前|午後)?\d{1,2}:\d{2}(?: ?[AaPp][Mm])?\t")),
    ("transcript", re.compile(r"^(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]? )?[^\s:][^:\n]{0,40}: \S")),
)


@dataclass(frozen=True, slots=True)
class Closest:
    format: str
    matching: int  # of the sample's non-empty lines
    sampled: int
    first_other: int | None  # the first sampled line that does not fit, 1-based
    first_other_text: str | None


def closest(source: Source) -> Closest | None:
    """The text format whose message lines most of the first lines look like, when at
    least a third of them do."""
    lines = [
        (number, line)
        for number, line in enumerate(source.head.lstrip("\ufeff").split("\n"), 1)
        if line.strip()
    ][:_SAMPLE_LINES]
    if not lines:
        return None
    best: Closest | None = None
    for name, shape in _LINE_SHAPES:
        fits = [bool(shape.match(line)) for _, line in lines]
        count = sum(fits)
        if count * 3 < len(lines) or (best is not None and count <= best.matching):
            continue
        other = next(((n, line) for (n, line), ok in zip(lines, fits, strict=True) if not ok), None)
        best = Closest(
            name,
            count,
            len(lines),
            other[0] if other else None,
            other[1][:80] if other else None,
        )
    return best


def json_shape(doc: Any) -> str:
    """`a JSON object with keys "a", "b"`, `a JSON list of 3 objects with keys …`."""

    def keys(value: dict[str, Any]) -> str:
        names = [f'"{k}"' for k in list(value)[:6]]
        more = ", …" if len(value) > 6 else ""
        return f"keys {', '.join(names)}{more}" if names else "no keys"

    if isinstance(doc, dict):
        return f"a JSON object with {keys(doc)}"
    if isinstance(doc, list):
        if doc and isinstance(doc[0], dict):
            return f"a JSON list of {len(doc)} items, the first an object with {keys(doc[0])}"
        return f"a JSON list of {len(doc)} items"
    return f"a JSON {type(doc).__name__}"
