"""Benchmark: parse the same generated chat written in each format's layout.

    .venv/bin/python -m bench.formats [--messages N] [--speakers K]

The baseline, measured in the same run, is the WhatsApp text parser on the same chat:
each format's time is given as a ratio to it. Prints numbers only; asserts nothing.
"""

from __future__ import annotations

import argparse
import time

from bench._formats import FORMATS
from bench._gen import messages
from parley.analysis.formats import parse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--speakers", type=int, default=8)
    args = ap.parse_args()
    chat = messages(args.messages, args.speakers)
    seconds: dict[str, float] = {}
    print(f"input       {len(chat):,} messages, {args.speakers} speakers, in each format")
    for name, written in FORMATS.items():
        data = written.write(chat).encode()
        best = float("inf")
        for _ in range(2):  # the better of two: the first run also warms caches
            t = time.perf_counter()
            conversation = parse(data, filename=written.filename)
            best = min(best, time.perf_counter() - t)
        assert conversation.format == name, conversation.format
        seconds[name] = best
        ratio = best / seconds["whatsapp"]
        print(
            f"{name:<11} {best:6.2f} s {len(chat) / best:>10,.0f} msgs/s"
            f"  {len(data) / 1e6:6.1f} MB  {ratio:4.1f}x whatsapp"
        )


if __name__ == "__main__":
    main()
