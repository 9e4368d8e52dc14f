"""The input every analysing command takes: FILE (or - for stdin) and --format."""

from __future__ import annotations

import argparse
import sys

from parley.analysis.formats import FORMAT_NAMES, parse, parse_path
from parley.analysis.model import Conversation

__all__ = ["add_input_arguments", "read_conversation"]


def add_input_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("file", metavar="FILE", help=f"the export to {verb}")
    parser.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        default=None,
        help="the format to read FILE as (default: detect it from the content)",
    )


def read_conversation(args: argparse.Namespace) -> Conversation:
    """Parse FILE (a file, a zip, a Slack export folder, or - for stdin)."""
    if args.file == "-":
        return parse(sys.stdin.buffer.read(), format=args.format)
    return parse_path(args.file, format=args.format)
