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


def test_the_lazy_packages_export_every_name_they_list() -> None:
    import parley.jobs
    import parley.kv

    for package in (parley.jobs, parley.kv):
        missing = [name for name in package.__all__ if not hasattr(package, name)]
        assert missing == []


def test_the_work_imports_no_store_client_and_no_http_layer() -> None:
    """An analysis process pays for the analysis, not for Redis or FastAPI."""
    import subprocess
    import sys

    heavy = "('redis', 'fastapi', 'starlette', 'structlog')"
    code = f"import sys, parley.work; print(sorted(m for m in {heavy} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_the_command_line_starts_without_the_http_client() -> None:
    """httpx is `parley submit`'s alone: `parley serve` and the rest do not import it."""
    import subprocess
    import sys

    code = (
        "import sys; from parley.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('httpx', 'httpx_sse') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
