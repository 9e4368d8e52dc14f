"""The HTTP client of `parley submit`: parley's API, and its progress stream read with
httpx-sse. Imported only by that command, so no other one pays for httpx at start-up."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
from httpx_sse import SSEError, connect_sse

from parley.cli._progress import ProgressBar
from parley.errors import ParleyError

__all__ = ["Client", "ServerError", "follow"]

ENDS = ("completed", "failed", "expired")
_POLL_SECONDS = 0.5
_RETRIES = 8  # tries in a row, with a growing pause, before giving up on the server
_BACKOFF = (0.5, 1.0, 2.0, 4.0)

Event = tuple[str, dict[str, Any]]  # the event's kind, and the progress (or error) body


class ServerError(ParleyError):
    """The server refused the request, or could not be reached."""


class _Unavailable(Exception):
    """A 5xx or no answer: worth another try after a pause."""


def _pause(tries: int) -> None:
    time.sleep(_BACKOFF[min(tries, len(_BACKOFF) - 1)])


def refused(response: httpx.Response) -> ServerError:
    try:
        why = response.json().get("error") or response.text
    except ValueError:
        why = response.text[:200]
    return ServerError(f"the server answered HTTP {response.status_code}: {why}")


class Client:
    def __init__(self, server: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.server = server.rstrip("/")
        # a read waits up to 60 s: a stream is quiet between events, and pinged every 15 s
        timeout = httpx.Timeout(30.0, read=60.0)
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerError(f"cannot reach parley at {self.server}: {exc}") from None

    def events(self, conversation_id: str) -> Iterator[Event]:
        """The progress stream's events, to the job's end. A stream the server or a proxy
        cut is resumed where it was (Last-Event-ID); a refusal raises ServerError."""
        url = f"/api/progress/{conversation_id}/events"
        last: str | None = None
        tries = 0
        while True:
            headers = {"Last-Event-ID": last} if last else {}
            try:
                with connect_sse(self.http, "GET", url, headers=headers) as source:
                    response = source.response
                    if response.status_code == 404:
                        yield "expired", {}
                        return
                    if response.status_code != 200:
                        response.read()
                        raise refused(response)
                    for event in source.iter_sse():
                        tries = 0
                        last = event.id or last
                        yield event.event, json.loads(event.data)
                        if event.event in ENDS:
                            return
            except httpx.ReadTimeout:
                raise  # a minute without even a ping: something holds the stream back
            except httpx.TransportError:
                if tries >= _RETRIES:
                    raise
            _pause(tries)  # cut, or ended without the job's end: resume after a pause
            tries += 1

    def polls(self, conversation_id: str, bar: ProgressBar) -> Iterator[Event]:
        """The progress, polled: a 5xx or no answer is waited out, and said once."""
        tries = 0
        while True:
            try:
                body = self._poll(conversation_id)
            except _Unavailable as why:
                if tries >= _RETRIES:
                    raise ServerError(
                        f"parley at {self.server} stayed unavailable: {why}"
                    ) from None
                if tries == 0:
                    bar.line(f"the server is unavailable ({why}); still trying")
                _pause(tries)
                tries += 1
                continue
            tries = 0
            if body is None:
                yield "expired", {}
                return
            status = body["status"]
            yield (status if status in ENDS else "progress"), body
            if status in ENDS:
                return
            time.sleep(_POLL_SECONDS)

    def _poll(self, conversation_id: str) -> dict[str, Any] | None:
        try:
            response = self.http.get(f"/api/progress/{conversation_id}")
        except httpx.TransportError as exc:
            raise _Unavailable(str(exc)) from None
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise _Unavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise refused(response)
        body: dict[str, Any] = response.json()
        return body


def follow(client: Client, conversation_id: str, bar: ProgressBar, *, stream: bool) -> Event:
    """Draw the job's progress until it ends; its last event. The stream, when asked,
    and polls when it fails."""
    events = client.events(conversation_id) if stream else client.polls(conversation_id, bar)
    try:
        for kind, body in events:
            if kind == "unavailable":
                bar.line("the server's store is unreachable; waiting for it")
            elif kind == "progress":
                bar(body["stage"], body["percent"], body.get("message") or body["stage"])
            else:
                return kind, body
    except (SSEError, httpx.HTTPError, ServerError) as exc:
        if not stream:
            raise
        bar.line(f"the progress stream failed ({exc}); polling instead")
        return follow(client, conversation_id, bar, stream=False)
    raise ServerError("the progress ended before the job did")
