"""Stored-result size and encode/decode cost: plain JSON against gzip levels (and what parley
stores: deflate with the results' dictionary, see bench/zstd_dict.py), on real
analysis results of generated conversations (the baseline is plain JSON encoding).

    .venv/bin/python -m bench.codec
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable

from bench._gen import messages, whatsapp_text
from parley.analysis import analyze
from parley.analysis.formats import parse
from parley.kv import decode, encode


def per_call_ms(fn: Callable[[], object], reps: int = 200) -> float:
    started = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - started) / reps * 1000


def main() -> None:
    print("messages  json KB  | level  stored KB  ratio  encode ms  decode ms  (x json encode)")
    for n in (300, 3_000, 30_000, 250_000):
        result = analyze(parse(whatsapp_text(messages(n, seed=5)).encode()))
        raw = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()
        base = per_call_ms(lambda r=result: json.dumps(r, ensure_ascii=False))  # type: ignore[misc]
        for level in (1, 6, 9):
            packed = gzip.compress(raw, compresslevel=level, mtime=0)
            enc = per_call_ms(lambda lv=level, r=raw: gzip.compress(r, compresslevel=lv, mtime=0))  # type: ignore[misc]
            dec = per_call_ms(lambda p=packed: gzip.decompress(p))  # type: ignore[misc]
            print(
                f"{n:>8}  {len(raw) / 1024:7.1f}  | {level:>5}  {len(packed) / 1024:9.1f}  "
                f"{len(raw) / len(packed):5.1f}  {enc:9.3f}  {dec:9.3f}  ({enc / base:.1f}x)"
            )
        stored = encode(result, compress_threshold=1024, dictionary=True)
        assert decode(stored) == result
        how = "deflate 6 with the results' dictionary, above 1 KB"
        print(f"{'':>8}  parley stores {len(stored) / 1024:.1f} KB ({how})")


if __name__ == "__main__":
    main()
