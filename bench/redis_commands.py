"""Redis commands one analysis costs, as the client sends them (what a metered provider
bills: a script is one EVALSHA, whatever it runs inside): the job's own lifecycle
(create, start, progress, heartbeats, result), one progress poll, fetching the result.

    .venv/bin/python -m bench.redis_commands
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from tests.redis_server import RedisServer, running_redis

from bench._gen import messages, whatsapp_text
from bench._monitor import Monitor
from parley.api import create_app
from parley.api.service import Service
from parley.settings import ExecutionMode, Settings

POLL_SECONDS = 0.4  # the page's polling interval


async def measure(server: RedisServer, monitor: Monitor, size: int) -> dict[str, Any]:
    settings = Settings(redis_url=server.url, redis_url_source="REDIS_URL",
                        execution_mode=ExecutionMode.BACKGROUND, analysis_processes=0)  # fmt: skip
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    content = whatsapp_text(messages(size, speakers=12, seed=size))
    async with httpx.AsyncClient(transport=transport, base_url="http://b", timeout=300) as http:
        service: Service = await app.state.get_service()
        monitor.commands()
        started = time.perf_counter()
        job = (await http.post("/api/analyze", json={"content": content})).json()
        await service.driver.join()
        seconds = time.perf_counter() - started
        lifecycle = monitor.commands()
        await http.get(job["links"]["progress"])
        poll = sum(monitor.commands().values())
        await http.get(job["links"]["result"])
        result = sum(monitor.commands().values())
    await app.state.close_service()
    return {"size": size, "seconds": seconds, "lifecycle": lifecycle, "poll": poll,
            "result": result}  # fmt: skip


async def main() -> None:
    with running_redis() as redis:
        monitor = Monitor(redis)
        rows = [await measure(redis, monitor, size) for size in (3_000, 250_000)]
        monitor.close()
    print("Redis commands per analysis (background mode, default intervals)")
    for row in rows:
        lifecycle = row["lifecycle"]
        total = sum(lifecycle.values())
        polls = row["seconds"] / POLL_SECONDS
        per_analysis = total + polls * row["poll"] + row["result"]
        detail = ", ".join(f"{name} {n}" for name, n in sorted(lifecycle.items()))
        print(f"{row['size']:>8} messages, {row['seconds']:.1f} s: job {total} commands ({detail})")
        print(f"{'':>8} one poll {row['poll']}, the result {row['result']}; with the page polling "
              f"every {POLL_SECONDS} s: ~{per_analysis:.0f} commands per analysis, "
              f"~{500_000 / per_analysis:,.0f} analyses in 500k commands")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
