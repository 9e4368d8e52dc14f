"""Benchmark: stored results, gzip against zstd and deflate, each with and without a
dictionary trained on other results: size, and encode/decode time in the same run.

    pip install --target /tmp/zst zstandard
    PYTHONPATH=/tmp/zst .venv/bin/python -m bench.zstd_dict [--save FILE]

`zstandard` is not a dependency of parley: it trains the dictionary, once (`--save`
writes it; parley ships it as `parley/kv/results-N.zdict`) and is measured against. The
dictionary is trained on the results of 60 generated chats (2 to 12 people, 200 to
20,000 messages); it is measured on others: generated with other seeds, the sample
chat, and every hand-written format fixture of the test suite (results of real layouts).
"deflate + parley's *" is what parley stores: the standard library's zlib with the shipped
dictionary (*: its times include a JSON parse and dump). Prints numbers only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import zstandard  # type: ignore[import-not-found]

from bench._gen import messages, whatsapp_text
from parley.analysis import analyze
from parley.analysis.formats import parse, parse_path
from parley.kv import decode, encode
from parley.samples import SAMPLE_NAME, sample_bytes

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "formats"
DICT_BYTES = 32 * 1024


def result_bytes(n: int, speakers: int, seed: int) -> bytes:
    result = analyze(parse(whatsapp_text(messages(n, speakers, seed)).encode()))
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()


def per_call_ms(fn: Callable[[], object], reps: int = 50) -> float:
    started = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - started) / reps * 1000


def training_set() -> list[bytes]:
    """The results the dictionary is trained on: 60 generated chats, 2 to 12 people."""
    rng = random.Random(1)
    sizes = [(rng.choice((200, 1_000, 5_000, 20_000)), rng.randint(2, 12)) for _ in range(60)]
    return [result_bytes(n, k, seed=1000 + i) for i, (n, k) in enumerate(sizes)]


def _parley(data: bytes) -> bytes:
    return encode(json.loads(data), compress_threshold=0, dictionary=True)


def _parley_decode(data: bytes) -> bytes:
    return json.dumps(decode(data), ensure_ascii=False, separators=(",", ":")).encode()


def main(save: str | None) -> None:
    training = training_set()
    held_out = [
        result_bytes(n, k, seed=5000 + n + k) for n, k in ((300, 2), (3_000, 5), (30_000, 12))
    ]
    real = [analyze(parse(sample_bytes(), filename=SAMPLE_NAME))]
    for path in sorted(FIXTURES.iterdir()):
        try:
            real.append(analyze(parse_path(path)))
        except Exception:
            continue
    tests = held_out + [
        json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() for r in real
    ]
    trained = zstandard.train_dictionary(DICT_BYTES, training)
    if save:
        Path(save).write_bytes(trained.as_bytes()[-DICT_BYTES:])  # zlib reads the last 32 KB
        print(f"wrote {save}")
    codecs: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
        "gzip 6 (now)": (lambda b: gzip.compress(b, 6, mtime=0), gzip.decompress),
    }
    for level in (3, 9):
        plain_c = zstandard.ZstdCompressor(level=level)
        dict_c = zstandard.ZstdCompressor(level=level, dict_data=trained)
        codecs[f"zstd {level}"] = (plain_c.compress, zstandard.ZstdDecompressor().decompress)
        dict_d = zstandard.ZstdDecompressor(dict_data=trained)
        codecs[f"zstd {level} + dict"] = (dict_c.compress, dict_d.decompress)
    codecs["deflate + parley's *"] = (_parley, _parley_decode)
    print(f"{len(tests)} results ({len(held_out)} generated, {len(real)} real layouts), "
          f"{sum(map(len, tests)) / 1024:.0f} KB of JSON; dictionary {DICT_BYTES // 1024} KB "
          f"trained on {len(training)} others")  # fmt: skip
    print(f"{'codec':<19} {'stored KB':>9} {'ratio':>6} {'small ratio':>11} {'enc ms':>7} "
          f"{'dec ms':>7}  (small: results under 8 KB of JSON)")  # fmt: skip
    for name, (pack, unpack) in codecs.items():
        packed = [pack(b) for b in tests]
        assert [unpack(p) for p in packed] == tests
        small = [len(b) / len(p) for b, p in zip(tests, packed, strict=True) if len(b) < 8192]
        enc = statistics.mean(per_call_ms(lambda b=b, f=pack: f(b)) for b in tests)  # type: ignore[misc]
        dec = statistics.mean(per_call_ms(lambda p=p, f=unpack: f(p)) for p in packed)  # type: ignore[misc]
        print(
            f"{name:<19} {sum(map(len, packed)) / 1024:9.1f} "
            f"{sum(map(len, tests)) / sum(map(len, packed)):6.1f} "
            f"{statistics.median(small) if small else 0:11.1f} {enc:7.3f} {dec:7.3f}"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--save", metavar="FILE", help="write the trained dictionary there")
    main(ap.parse_args().save)
