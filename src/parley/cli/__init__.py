"""The `parley` command. Each subcommand is a module here with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from parley import __version__
from parley.errors import ParleyError
from parley.log import configure_logging
from parley.settings import load_settings

__all__ = ["main"]

# Subcommand modules, in the order `parley --help` lists them.
COMMANDS: tuple[str, ...] = ("serve", "worker", "analyze", "submit", "parse", "stats", "doctor")

EXIT_ERROR = 1  # the command ran and failed (bad input, store unusable)
EXIT_USAGE = 2  # argparse's own code for bad arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley",
        description="Analyse conversations as background jobs that any worker can answer for.",
    )
    parser.add_argument("--version", action="version", version=f"parley {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"parley.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failed, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # Read once, here: every command gets these settings as args.settings.
        args.settings = settings = load_settings()
        # Log lines go to stderr, so stdout stays clean for data (`parley parse > out.jsonl`).
        fmt = settings.log_format or ("console" if sys.stderr.isatty() else "json")
        configure_logging(settings.log_level, fmt)
        code: int = args.run(args)
    except ParleyError as exc:
        print(f"parley: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("parley: interrupted", file=sys.stderr)
        return 130
    return code
