"""`parley parse FILE [--format F]`: print a conversation as JSON Lines, one message a line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from parley.analysis.model import message_to_json
from parley.cli._input import add_input_arguments, read_conversation
from parley.errors import InputError

__all__ = ["register", "run"]

_BATCH = 2000  # lines per write: one big write per batch instead of one per message


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "parse",
        help="print a chat or transcript export as normalised JSON Lines",
        description=(
            "Parse a chat export or transcript and print one JSON object per message: "
            "timestamp, speaker, text, kind, and id, replyTo, start, end when known. "
            "FILE may be a zip, a Slack export folder, or - for standard input."
        ),
    )
    add_input_arguments(p, "parse")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    conversation = read_conversation(args)
    out = sys.stdout
    # Non-ASCII is written as itself when stdout can carry it, escaped when it cannot.
    ascii_only = (out.encoding or "").lower().replace("-", "").replace("_", "") != "utf8"
    batch: list[str] = []
    try:
        for message in conversation.messages:
            batch.append(json.dumps(message_to_json(message), ensure_ascii=ascii_only))
            if len(batch) >= _BATCH:
                out.write("\n".join(batch) + "\n")
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
        out.flush()
    except BrokenPipeError:
        # `parley parse big.txt | head`: the reader left; that is not an error.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror or exc}") from None
    return 0
