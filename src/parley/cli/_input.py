"""The input every analysing command takes: FILE (or - for stdin, or --sample) and
--format."""

from __future__ import annotations

import argparse
import sys

from parley.analysis.formats import FORMAT_NAMES, parse, parse_path
from parley.analysis.model import Conversation
from parley.errors import InputError
from parley.samples import SAMPLE_NAME, sample_bytes

__all__ = ["add_input_arguments", "input_label", "read_conversation"]


def add_input_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "file", metavar="FILE", nargs="?", help=f"the export to {verb} (- for standard input)"
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help=f"{verb} the sample export shipped with parley (a WhatsApp group) instead",
    )
    parser.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        default=None,
        help="the format to read FILE as (default: detect it from the content)",
    )


def input_label(args: argparse.Namespace) -> str:
    """What the command reads, for its messages; refuses no input, or two."""
    if args.sample and args.file is not None:
        raise InputError("give FILE or --sample, not both")
    if not args.sample and args.file is None:
        raise InputError("say which export to read: FILE (or - for standard input), or --sample")
    return "the sample export" if args.sample else str(args.file)


def read_conversation(args: argparse.Namespace) -> Conversation:
    """Parse FILE (a file, a zip, a Slack export folder, or - for stdin), or the sample."""
    input_label(args)
    if args.sample:
        return parse(sample_bytes(), filename=SAMPLE_NAME, format=args.format)
    if args.file == "-":
        return parse(sys.stdin.buffer.read(), format=args.format)
    return parse_path(args.file, format=args.format)
