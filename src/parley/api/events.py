"""`GET /api/progress/{conversationId}/events`: a conversation's progress pushed as
Server-Sent Events, from whichever worker the stream lands on.

The stream sends the current progress at once, then each change, each event with the
progress's `seq` as its id, a comment every 15 s so proxies keep it open, and last the
`completed` or `failed` event, after which it ends. A client that reconnects with
`Last-Event-ID` (browsers do it themselves) gets the current progress unless that is the
one it last saw: a stream a platform cut at its time limit resumes without losing the
end. While the store is unreachable the stream says so (`unavailable`) and goes on once
it is back. The framing is sse-starlette's; what is sent is the body a poll returns.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask

from parley.api.routes import ERRORS, ConversationId, Svc, not_found, progress_body
from parley.api.service import Service
from parley.jobs import JobStatus, Progress
from parley.jobs.feed import ProgressFeed, watch
from parley.jobs.models import REQUEUED
from parley.kv import Gap

__all__ = ["PING_SECONDS", "router"]

router = APIRouter(prefix="/api")

PING_SECONDS = 15  # a comment this often keeps proxies from closing a quiet stream
# How often a quiet stream applies the stale rule to what it last heard (no command): a
# job whose owner died is reported lost within this long of the stale limit.
_RECHECK_SECONDS = 5.0
_ENDS = (JobStatus.COMPLETED, JobStatus.FAILED)
_EVENT_DOC = (
    "`text/event-stream`. Events: `progress` (the job is queued or running), `completed`, "
    "`failed` or `expired` (then the stream ends), `unavailable` (the store cannot be reached; the "
    "stream goes on when it is back). Each progress event's data is the body "
    "`GET /api/progress/{conversationId}` returns, its id the progress's `seq`."
)


@router.get(
    "/progress/{conversationId}/events",
    tags=["analyses"],
    response_class=EventSourceResponse,
    responses={200: {"description": _EVENT_DOC, "content": {"text/event-stream": {}}}, **ERRORS},
)
async def progress_events(
    conversationId: ConversationId, svc: Svc, request: Request
) -> EventSourceResponse:
    """The conversation's progress, pushed: the current one, then every change, to the end."""
    svc.access.require_operator(request, "reading a conversation by its id")
    stack = AsyncExitStack()
    feed = await stack.enter_async_context(watch(svc.store, conversationId))
    if feed.current is None:
        await stack.aclose()
        raise not_found(f"conversation {conversationId}")
    last_seen = request.headers.get("last-event-id")
    # The stream closes the listener when it ends; the background task too, for a stream
    # that never started (a HEAD, a client gone before the first event): closing twice
    # is a no-op.
    return EventSourceResponse(
        _events(svc, conversationId, feed, stack, last_seen),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},  # nginx: no buffer
        background=BackgroundTask(stack.aclose),
    )


def _event(conversation_id: str, progress: Progress) -> ServerSentEvent:
    body = progress_body(conversation_id, progress)
    kind = progress.status.value if progress.status in _ENDS else "progress"
    return ServerSentEvent(json.dumps(body), event=kind, id=_event_id(progress))


async def _events(
    svc: Service,
    conversation_id: str,
    feed: ProgressFeed,
    stack: AsyncExitStack,
    last_seen: str | None,
) -> AsyncIterator[ServerSentEvent]:
    async with stack:  # the listener goes when the stream does, however it ends
        seen = last_seen  # the id of the last event the client has
        unavailable = False
        while True:
            progress = feed.current
            if progress is None:  # erased, or expired, while the store was out
                yield _notice("expired", f"conversation {conversation_id} is gone")
                return
            svc.driver.notice(progress)  # as a poll does: a lost queue job wakes a worker
            if progress.status in _ENDS:
                yield _event(conversation_id, progress)  # always: it ends the stream
                return
            if _event_id(progress) != seen:
                seen = _event_id(progress)
                yield _event(conversation_id, progress)
            while True:  # until there is something to send again
                item = await feed.next(_RECHECK_SECONDS)
                if item is Gap.LOST:
                    if not unavailable:
                        unavailable = True
                        yield _notice("unavailable", "the store is unreachable; waiting for it")
                    continue
                if item is Gap.BACK:
                    unavailable = False
                    seen = None  # what it missed is the current progress: send it again
                    break
                if not unavailable:  # while it is out, silence says nothing of the job
                    break


def _event_id(progress: Progress) -> str:
    """The progress's seq; a queue job the stale rule put back has no write of its own,
    so its id says so (a client that saw the running job must see it go back)."""
    return f"{progress.seq}.requeued" if progress.stage == REQUEUED else str(progress.seq)


def _notice(kind: str, error: str) -> ServerSentEvent:
    return ServerSentEvent(json.dumps({"error": error}), event=kind)
