"""The command budget's counter in the store: every process adds what it sent, an idle one
sends nothing, and 80 % is said once. On the memory backend, a redis-server and a Redis
Cluster alike."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from parley.jobs.keys import KeyLayout
from parley.jobs.usage import FLUSH_COMMANDS, CommandUsage
from parley.kv import KV
from parley.settings import CommandBudget
from tests.conftest import CONTRACT_TTL

KEYS = KeyLayout()
NOON = datetime(2026, 12, 1, 12, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clean(kv: KV) -> AsyncIterator[KV]:
    """The store; its usage counters (which outlive the contract TTL) go afterwards."""
    yield kv
    async for key in kv.scan("usage:*"):
        await kv.delete(key)


def usage(kv: KV, limit: int = 10_000, **kw: object) -> CommandUsage:
    kw.setdefault("started", lambda: 0)
    return CommandUsage(kv, KEYS, CommandBudget(limit, "day"), clock=Clock(NOON), **kw)  # type: ignore[arg-type]


async def test_a_flush_adds_every_command_the_store_sent_and_the_analyses_started(
    clean: KV,
) -> None:
    kv = clean
    started = [0]
    counter = usage(kv, started=lambda: started[0])
    await kv.ping()
    await counter.flush()  # Redis loads its script on first use: those wait for the next
    for n in range(5):
        await kv.set(f"k:{n}", b"v", CONTRACT_TTL)
    started[0] = 2
    use = await counter.flush()
    assert use.used == kv.commands.total  # everything, the flush itself included
    assert (use.period, use.analyses, use.per_analysis) == ("2026-12-01", 2, use.used / 2)
    await kv.get("k:0")
    started[0] = 3
    again = await counter.flush()
    assert (again.used, again.analyses) == (kv.commands.total, 3)
    for n in range(5):
        await kv.delete(f"k:{n}")


async def test_two_processes_add_to_one_counter(clean: KV) -> None:
    kv = clean
    first, second = usage(kv), usage(kv)  # as two processes would, over one store
    await kv.set("k:a", b"v", CONTRACT_TTL)
    one = await first.flush()
    await second.flush()  # sees the store's counts after the first one's: adds its own
    both = await first.flush()
    assert both.used > one.used
    await kv.delete("k:a")


async def test_an_idle_process_sends_nothing(clean: KV) -> None:
    kv = clean
    counter = usage(kv)
    await kv.set("k:idle", b"v", CONTRACT_TTL)
    assert not counter.due()  # one command waits: below the batch, and under a minute
    await counter.flush()
    sent = kv.commands.total
    assert not counter.due()
    assert kv.commands.total == sent
    for _ in range(FLUSH_COMMANDS):
        await kv.get("k:idle")
    assert counter.due()
    await kv.delete("k:idle")


async def test_the_counter_lives_until_its_day_ends_and_a_new_day_starts_at_zero(
    clean: KV,
) -> None:
    kv = clean
    clock = Clock(NOON)
    counter = CommandUsage(kv, KEYS, CommandBudget(10_000, "day"), started=lambda: 0, clock=clock)
    await kv.set("k:day", b"v", CONTRACT_TTL)
    first = await counter.flush()
    ttl = await kv.ttl("usage:2026-12-01")
    assert ttl is not None
    assert 12 * 3600 < ttl <= 13 * 3600  # noon to midnight, and an hour more
    clock.now = NOON + timedelta(days=1)
    await kv.get("k:day")
    second = await counter.flush()
    # the TTL read and the GET since, and the flush
    assert (second.period, second.used) == ("2026-12-02", 3)
    assert first.used >= 2
    await kv.delete("k:day")


async def test_eighty_percent_of_the_budget_is_said_once_and_the_end_once_more(
    clean: KV, log_lines: io.StringIO
) -> None:
    kv = clean
    counter = usage(kv, limit=100)
    for _ in range(85):
        await kv.get("k:none")
    use = await counter.flush()
    assert use.fraction >= 0.8
    await counter.flush()
    for _ in range(20):
        await kv.get("k:none")
    await counter.flush()
    said = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    warnings = [e for e in said if str(e["event"]).startswith("command_budget")]
    assert [e["event"] for e in warnings] == ["command_budget_warning", "command_budget_spent"]
    assert warnings[0]["budget"] == "100/day"
    assert warnings[0]["period"] == "2026-12-01"
