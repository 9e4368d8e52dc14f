"""Sizes print the same way in every command."""

from __future__ import annotations

import pytest

from parley.cli._format import size


@pytest.mark.parametrize(
    ("n", "shown"),
    [(None, "-"), (0, "0 B"), (1023, "1023 B"), (1024, "1.0 KB"), (1_536_000, "1.5 MB"),
     (3 * 1024**3, "3.0 GB")],
)  # fmt: skip
def test_sizes_use_the_largest_unit_below_1024(n: int | None, shown: str) -> None:
    assert size(n) == shown
