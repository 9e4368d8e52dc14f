"""Benchmark: parse + analyse a generated 250k-message, 12-speaker WhatsApp export.

    .venv/bin/python bench/analysis.py [--messages N] [--speakers K] [--html]

The work runs in a fresh subprocess so its peak memory (ru_maxrss) is the parse and
the analysis alone. The baseline, measured in the same run, is a plain loop that
splits every message into words: the least any per-word analysis must cost.
Prints numbers only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._gen import messages, whatsapp_text
from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.report import render_html


def child(path: str, with_html: bool) -> None:
    data = Path(path).read_bytes()
    t0 = time.perf_counter()
    conversation = parse(data, filename="WhatsApp Chat.txt")
    t1 = time.perf_counter()
    stages: dict[str, float] = {}

    def progress(stage: str, percent: float, message: str) -> None:
        stages.setdefault(stage, time.perf_counter())

    result = analyze(conversation, progress)
    t2 = time.perf_counter()
    words = 0
    for m in conversation.messages:  # the baseline: touch every word once
        for _ in m.text.split():
            words += 1
    t3 = time.perf_counter()
    html_mb = None
    if with_html:
        html_mb = len(render_html(result).encode()) / 1e6
    t4 = time.perf_counter()
    names = list(stages)
    stage_seconds = {
        name: (stages[names[i + 1]] if i + 1 < len(names) else t2) - stages[name]
        for i, name in enumerate(names)
    }
    out = {
        "messages": len(conversation.messages),
        "parse_s": t1 - t0,
        "analyze_s": t2 - t1,
        "baseline_s": t3 - t2,
        "html_s": t4 - t3 if with_html else None,
        "html_mb": html_mb,
        "json_kb": len(json.dumps(result, ensure_ascii=False).encode()) / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stages": stage_seconds,
    }
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=250_000)
    ap.add_argument("--speakers", type=int, default=12)
    ap.add_argument("--html", action="store_true", help="also time rendering the HTML report")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.html)
        return

    t = time.perf_counter()
    text = whatsapp_text(messages(args.messages, args.speakers))
    gen_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.txt"
        path.write_text(text, encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        del text
        cmd = [sys.executable, "-m", "bench.analysis", "--child", str(path)]
        cmd += ["--html"] if args.html else []
        root = Path(__file__).resolve().parents[1]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=root).stdout
    r = json.loads(out)
    n = r["messages"]
    total = r["parse_s"] + r["analyze_s"]
    print(
        f"input       {n:,} messages, {args.speakers} speakers, {size_mb:.1f} MB"
        f" (generated in {gen_s:.1f} s)"
    )
    print(f"parse       {r['parse_s']:6.2f} s   {n / r['parse_s']:>10,.0f} msgs/s")
    print(f"analysis    {r['analyze_s']:6.2f} s   {n / r['analyze_s']:>10,.0f} msgs/s")
    print(f"total       {total:6.2f} s   {n / total:>10,.0f} msgs/s")
    print(
        f"baseline    {r['baseline_s']:6.2f} s   {n / r['baseline_s']:>10,.0f} msgs/s"
        f"  (split every message into words)"
    )
    print(f"ratio       analysis takes {r['analyze_s'] / r['baseline_s']:.1f}x the baseline")
    print(f"result      {r['json_kb']:.0f} KB of JSON")
    print(f"peak memory {r['peak_mb']:.0f} MB (parse + analysis process, ru_maxrss)")
    if r["html_s"] is not None:
        print(f"html        {r['html_s']:6.2f} s   {r['html_mb']:.1f} MB")
    print("stages      " + ", ".join(f"{k} {v:.2f}s" for k, v in r["stages"].items()))


if __name__ == "__main__":
    main()
