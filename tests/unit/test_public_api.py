"""The public surface is what `parley.__all__` says, and every name in it exists."""

from __future__ import annotations

import parley


def test_every_name_in_all_is_importable() -> None:
    missing = [name for name in parley.__all__ if not hasattr(parley, name)]
    assert missing == []


def test_all_lists_every_public_name_defined_at_top_level() -> None:
    public = {
        name
        for name, value in vars(parley).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("parley")
    }
    assert public <= set(parley.__all__)


def test_errors_with_details_survive_pickling_across_processes() -> None:
    import pickle

    errors = [
        parley.ParseError("bad date", format="whatsapp", line=7),
        parley.UnknownFormatError("no format matches", tried=("whatsapp", "telegram")),
        parley.InputTooLargeError("too big", limit=10),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy) == vars(error)
