"""Turns the analysis dataclasses into JSON-ready dicts with camelCase keys."""

from __future__ import annotations

import dataclasses
import math
from enum import Enum
from typing import Any

__all__ = ["camel", "to_json"]

_CAMEL_CACHE: dict[str, str] = {}
_FLOAT_DIGITS = 4  # enough for shares and seconds; keeps the JSON small


def camel(name: str) -> str:
    """`response_time_p90` -> `responseTimeP90`."""
    cached = _CAMEL_CACHE.get(name)
    if cached is None:
        head, *rest = name.split("_")
        cached = head + "".join(part[:1].upper() + part[1:] for part in rest)
        _CAMEL_CACHE[name] = cached
    return cached


def to_json(value: Any) -> Any:  # noqa: PLR0911 - one return per JSON type
    """Dataclasses become dicts (camelCase keys), tuples lists, floats rounded, NaN None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {camel(f.name): to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, _FLOAT_DIGITS)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value
