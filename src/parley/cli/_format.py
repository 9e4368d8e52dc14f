"""How the commands print sizes, so `doctor` and `stats` say the same thing the same way."""

from __future__ import annotations

__all__ = ["size"]


def size(n: int | None) -> str:
    """Bytes as B, KB, MB or GB (1024-based, one decimal above bytes); None as '-'."""
    if n is None:
        return "-"
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
