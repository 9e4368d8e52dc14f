"""A parley app in this process, behind an httpx client (no server, no sockets)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from parley.api import create_app
from parley.api.service import Service
from parley.errors import StoreError
from parley.settings import ExecutionMode, Settings


@contextlib.asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a fresh app on `settings`; on exit its jobs are awaited and its
    service (store, analysis processes) closed."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        try:
            yield client
        finally:
            # A test of an unreachable store has no service to wait for.
            with contextlib.suppress(StoreError):
                service: Service = await app.state.get_service()
                await service.driver.join()
            await app.state.close_service()


def inline_settings(url: str | None, **overrides: Any) -> Settings:
    """Inline mode (the POST runs its job to the end) on `url`'s store (None: memory),
    with analyses in threads and a TTL of a minute."""
    return Settings(
        redis_url=url,
        redis_url_source="REDIS_URL" if url else None,
        ttl_seconds=60,
        execution_mode=ExecutionMode.INLINE,
        analysis_processes=0,
    ).with_overrides(**overrides)


async def service_of(client: httpx.AsyncClient) -> Service:
    """The service behind a client made by `app_client`."""
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app: Any = transport.app
    return await app.state.get_service()  # type: ignore[no-any-return]
