"""Benchmark: what the POST's input check (`formats.check`) costs, against the parse it
spares a refused upload.

    .venv/bin/python bench/upload_check.py [--messages N]

Every upload is checked before a job exists (limits, encoding, format), so a refused one
is a 4xx without a job; an accepted one is then parsed by the work. The baseline, in the
same run, is that parse of the same bytes: the check's share of it is what an accepted
upload pays extra, on the web process. Three inputs: a WhatsApp text export, the same
messages as a JSON message list (a JSON format: the check loads the document), and the
WhatsApp export zipped. Prints numbers only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import statistics
import time
import zipfile
from collections.abc import Callable

from bench._gen import messages, whatsapp_text
from parley.analysis.formats import check, parse


def best(fn: Callable[[], object], runs: int = 5) -> float:
    """The median of `runs` timings of `fn`, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    msgs = messages(args.messages)
    text = whatsapp_text(msgs).encode()
    listed = json.dumps(
        [{"speaker": m.speaker, "text": m.text} for m in msgs], ensure_ascii=False
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Group.txt", text)
    zipped = buf.getvalue()
    print(f"{args.messages} messages; median of 5 runs each")
    print(f"{'input':<22}{'bytes':>12}{'check ms':>11}{'parse ms':>11}{'check/parse':>13}")
    for name, data, filename in (
        ("whatsapp .txt", text, "WhatsApp Chat.txt"),
        ("message list .json", listed, "messages.json"),
        ("whatsapp .zip", zipped, "chat.zip"),
    ):
        checked = best(functools.partial(check, data, filename=filename))
        parsed = best(functools.partial(parse, data, filename=filename), runs=3)
        print(
            f"{name:<22}{len(data):>12,}{checked * 1000:>11.1f}{parsed * 1000:>11.1f}"
            f"{checked / parsed:>12.1%}"
        )


if __name__ == "__main__":
    main()
