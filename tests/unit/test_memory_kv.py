"""The memory backend's own guarantees, beyond the shared contract."""

from __future__ import annotations

import asyncio
import threading

from parley.kv import MemoryKV


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_expired_keys_nobody_reads_are_swept_away() -> None:
    clock = Clock()
    kv = MemoryKV(clock=clock)
    for i in range(1000):
        await kv.set(f"old:{i}", b"x" * 100, 1)
    clock.now += 5
    await kv.set("new", b"v", 60)  # any write past the sweep interval sweeps
    info = await kv.info()
    assert info.keys == 1
    assert info.used_memory == len("new") + 1


async def test_a_key_is_gone_at_its_expiry_instant() -> None:
    clock = Clock()
    kv = MemoryKV(clock=clock)
    await kv.set("k", b"v", 2)
    clock.now += 1.999
    assert await kv.get("k") == b"v"
    clock.now += 0.001
    assert await kv.get("k") is None


def test_set_nx_is_atomic_across_threads() -> None:
    kv = MemoryKV()
    barrier = threading.Barrier(16)
    wins: list[bool] = []

    def race() -> None:
        barrier.wait()
        wins.append(asyncio.run(kv.set_nx("k", b"v", 60)))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def test_compare_and_set_counts_every_increment_across_threads() -> None:
    kv = MemoryKV()
    asyncio.run(kv.set("n", b"0", 60))

    def increment(times: int) -> None:
        async def run() -> None:
            done = 0
            while done < times:
                current = await kv.get("n")
                assert current is not None
                if await kv.compare_and_set("n", current, str(int(current) + 1).encode(), 60):
                    done += 1

        asyncio.run(run())

    threads = [threading.Thread(target=increment, args=(200,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert asyncio.run(kv.get("n")) == b"1600"
