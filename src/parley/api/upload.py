"""Reading an analysis request: JSON or a multipart upload, refused with 413 as soon as it
passes the size limit, before the rest of the body is read, and checked (`formats.check`:
limits, encoding, format) before any job is created: every refusal of the input is a 4xx
of the POST, in every execution mode."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from parley.analysis.formats import check
from parley.analysis.zones import zone
from parley.api.schemas import ContentRequest, FilesRequest, MessagesRequest
from parley.errors import InputError, InputTooLargeError, in_file
from parley.jobs import InputFile, JobInput, validate_conversation_id
from parley.settings import Settings

__all__ = ["Upload", "read_upload"]

T = TypeVar("T")
MAX_FILES = 20  # exports analysed as one conversation, in one upload
# Bodies above this are decoded and hashed in a thread (~1 ms of work on the loop).
_OFFLOAD_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    input: JobInput
    conversation_id: str
    force: bool
    input_hash: str  # SHA-256 of the format asked for and the bytes


def _too_large(limit: int) -> InputTooLargeError:
    return InputTooLargeError(
        f"the request is larger than the limit of {limit} bytes (PARLEY_MAX_UPLOAD_BYTES)",
        limit=limit,
    )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        yield chunk


def content_hash(
    data: bytes, format: str | None, pseudonymise: bool = False, timezone: str | None = None
) -> str:
    """The upload's identity: its bytes, the format asked for (none: detected) and the
    options that change the result (a pseudonymised analysis is another analysis)."""
    options = (b"\0pseudonymise" if pseudonymise else b"") + (
        b"\0tz=" + timezone.encode() if timezone else b""
    )
    return hashlib.sha256((format or "").encode() + options + b"\0" + data).hexdigest()


def derive_conversation_id(digest: str) -> str:
    """The same content (and format) gives the same id, so a repeated upload within the
    TTL finds the job that already ran."""
    return f"c-{digest[:32]}"


@dataclass(frozen=True, slots=True)
class _Reader:
    """One request's reading: the limits it is held to."""

    max_bytes: int
    max_expanded: int

    def upload(
        self,
        data: bytes,
        filename: str | None,
        format: str | None,
        conversation_id: str | None,
        force: bool,
        *,
        pseudonymise: bool = False,
        timezone: str | None = None,
        more: list[tuple[bytes, str | None]] | None = None,
    ) -> Upload:
        """An upload of `data` (and of the `more` files, analysed as one conversation)."""
        if not data.strip():
            raise InputError("the conversation is empty")
        if conversation_id:
            validate_conversation_id(conversation_id)
        detected = _checked(data, filename, format, self.max_expanded, several=bool(more))
        others = [
            InputFile(d, name, _checked(d, name, format, self.max_expanded, several=True))
            for d, name in more or []
        ]
        if timezone:
            zone(timezone)  # an unknown zone is a 400 now, not a failed job later
        digest = content_hash(data, format, pseudonymise, timezone)
        if others:
            # Several files: the identity of each, in order, is the identity of the whole.
            digest = hashlib.sha256(
                "".join([digest, *(content_hash(f.data, format) for f in others)]).encode()
            ).hexdigest()
        options: dict[str, object] = {"pseudonymise": True} if pseudonymise else {}
        if timezone:
            options["timezone"] = timezone
        return Upload(
            # The format found here is the one the work parses with: no second detection.
            JobInput(data, filename, detected, options, tuple(others)),
            conversation_id or derive_conversation_id(digest),
            force,
            digest,
        )


async def _off_loop(fn: Callable[[], T], size: int) -> T:
    """Run `fn` in a thread when the body is large: decoding and hashing tens of MB on
    the event loop would stall every poll this worker answers meanwhile."""
    return await asyncio.to_thread(fn) if size > _OFFLOAD_BYTES else fn()


async def _read_json(request: Request, reader: _Reader) -> Upload:
    body = b"".join([chunk async for chunk in _limited(request, reader.max_bytes)])
    return await _off_loop(lambda: _parse_json(body, reader), len(body))


def _parse_json(body: bytes, reader: _Reader) -> Upload:
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"the request body is not JSON: {exc}") from None
    kinds = [
        key for key in ("content", "messages", "files") if isinstance(raw, dict) and key in raw
    ]
    if len(kinds) != 1:
        raise InputError(
            'send exactly one of "content" (the file text), "messages" (a list) and '
            '"files" (several files, analysed as one)'
        )
    models: dict[str, type[ContentRequest | MessagesRequest | FilesRequest]] = {
        "content": ContentRequest,
        "messages": MessagesRequest,
        "files": FilesRequest,
    }
    try:
        parsed = models[kinds[0]].model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        raise InputError(f"invalid request body at {where}: {error['msg']}") from None
    fmt: str | None
    more: list[tuple[bytes, str | None]] = []
    filename = None if isinstance(parsed, FilesRequest) else parsed.filename
    try:
        if isinstance(parsed, FilesRequest):
            head, *others = parsed.files
            data, fmt, filename = head.content.encode(), parsed.format, head.filename
            more = [(f.content.encode(), f.filename) for f in others]
        elif isinstance(parsed, MessagesRequest):
            # The messages as sent (unknown fields included), as the format reads them.
            data = json.dumps(raw["messages"], ensure_ascii=False).encode()
            fmt = "messages"
        else:
            assert isinstance(parsed, ContentRequest)
            data, fmt = parsed.content.encode(), parsed.format
    except UnicodeEncodeError as exc:
        # JSON may spell a lone surrogate ("\ud800"), which is no character at all.
        raise InputError(
            f"the request body holds an escaped lone surrogate ({exc.object[exc.start]!r}), "
            "which is not Unicode text"
        ) from None
    return reader.upload(
        data,
        filename,
        fmt,
        parsed.conversationId,
        parsed.force,
        pseudonymise=parsed.pseudonymise,
        timezone=parsed.timezone,
        more=more,
    )


def _checked(
    data: bytes, filename: str | None, format: str | None, max_expanded: int, *, several: bool
) -> str:
    """The file's format, checked before the job starts; with several files, an error
    names the file."""
    if not several:
        return check(data, filename=filename, format=format, max_expanded=max_expanded)
    try:
        if not data.strip():
            raise InputError("it is empty")
        return check(data, filename=filename, format=format, max_expanded=max_expanded)
    except InputError as exc:
        raise in_file(exc, filename) from None


def _flag(value: str | None) -> bool:
    """A form's checkbox: `on` (what a browser sends), `true`, `1` or `yes`."""
    return (value or "").lower() in ("1", "true", "yes", "on")


async def _read_multipart(request: Request, reader: _Reader) -> Upload:
    parser = MultiPartParser(
        request.headers,
        _limited(request, reader.max_bytes),
        max_files=MAX_FILES,
        max_fields=8,
        max_part_size=1024,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(f"invalid multipart upload: {exc.message}") from None
    try:
        files = [f for f in form.getlist("file") if isinstance(f, UploadFile)]
        if not files:
            raise InputError('a multipart upload needs the conversation in a field named "file"')
        datas = [await f.read() for f in files]
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return await _off_loop(
            lambda: reader.upload(
                datas[0],
                files[0].filename,
                fields.get("format") or None,
                fields.get("conversationId") or None,
                _flag(fields.get("force")),
                pseudonymise=_flag(fields.get("pseudonymise")),
                timezone=fields.get("timezone") or None,
                more=list(zip(datas[1:], [f.filename for f in files[1:]], strict=True)),
            ),
            sum(len(d) for d in datas),
        )
    finally:
        await form.close()


async def read_upload(request: Request, settings: Settings) -> Upload:
    """The request's conversation, read within the limits of `settings` and checked."""
    reader = _Reader(settings.max_upload_bytes, settings.max_expanded_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return await _read_multipart(request, reader)
    if content_type in ("application/json", ""):
        return await _read_json(request, reader)
    raise InputError(
        f"unsupported content type {content_type!r}: send application/json or "
        "multipart/form-data with a file field"
    )
