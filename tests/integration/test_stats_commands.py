"""What /api/stats says parley costs a metered Redis: commands per job, this process's
commands by name, and with PARLEY_COMMAND_BUDGET the budget's use; on both backends."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator

import httpx
import pytest

from parley.settings import CommandBudget
from tests.apps import app_client, inline_settings, service_of
from tests.conftest import backend_url

CHAT = "12/01/2024, 09:{n:02d} - Ana: hello number {n}\n12/01/2024, 09:59 - Ben: hi {n}\n"


@contextlib.asynccontextmanager
async def parley(url: str | None, budget: CommandBudget | None) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(inline_settings(url, command_budget=budget)) as client:
        try:
            yield client
        finally:
            kv = (await service_of(client)).kv
            async for key in kv.scan("usage:*"):  # it outlives the test's TTL: not left
                await kv.delete(key)


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_stats_say_commands_per_job_per_command_and_the_budget_left(
    request: pytest.FixtureRequest, backend: str
) -> None:
    url = backend_url(request, backend)
    async with parley(url, CommandBudget(10_000, "day")) as client:
        spent = []
        for n in range(3):
            done = (await client.post("/api/analyze", json={"content": CHAT.format(n=n)})).json()
            assert done["status"] == "completed", done
            job = (await client.get(done["links"]["job"])).json()
            assert job["commands"] > 0
            spent.append(job["commands"])
        stats = (await client.get("/api/stats")).json()
    per_job = stats["commandsPerJob"]
    assert per_job == {"jobs": 3, "median": sorted(spent)[1], "p90": max(spent)}
    assert stats["processCommands"]["total"] >= sum(spent)
    assert stats["processCommands"]["byCommand"]["EVALSHA set_publish"] >= 3
    budget = stats["budget"]
    assert (budget["limit"], budget["period"], budget["analyses"]) == (10_000, "day", 3)
    assert 0 < budget["used"] <= stats["processCommands"]["total"]
    per_analysis = budget["used"] / 3
    assert budget["analysesLeft"] == math.floor((10_000 - budget["used"]) / per_analysis)
    assert stats["families"]["usage"]["keys"] == 1


async def test_without_a_budget_nothing_is_counted_in_the_store(
    request: pytest.FixtureRequest,
) -> None:
    async with parley(backend_url(request, "redis"), None) as client:
        done = (await client.post("/api/analyze", json={"content": CHAT.format(n=1)})).json()
        assert done["status"] == "completed"
        stats = (await client.get("/api/stats")).json()
    assert stats["budget"] is None
    assert stats["families"]["usage"]["keys"] == 0
    assert stats["commandsPerJob"]["jobs"] == 1


async def test_a_budget_mostly_spent_is_a_warning_in_the_stats(
    request: pytest.FixtureRequest,
) -> None:
    async with parley(backend_url(request, "memory"), CommandBudget(20, "day")) as client:
        done = (await client.post("/api/analyze", json={"content": CHAT.format(n=2)})).json()
        assert done["status"] == "completed"
        stats = (await client.get("/api/stats")).json()
    assert stats["budget"]["usedPercent"] >= 80
    assert any("PARLEY_COMMAND_BUDGET" in warning for warning in stats["warnings"])
