"""Every key parley writes is built here. This layout is a contract: operators and other
tools read the same keys.

    progress:{conversationId}   the latest progress (status, stage, percent); each write
                                is published on the channel of the same name
    job:{jobId}                 the job record
    job_index:{conversationId}  the conversation's current jobId
    result:{jobId}              the analysis result
    input:{jobId}               queue mode: the upload and its options, until the job ends
    queue:analyses              queue mode: the Redis Stream of job ids for `parley worker`
    usage:{period}              with PARLEY_COMMAND_BUDGET: a hash of the commands sent and
                                analyses started in a UTC day (2026-12-01) or month (2026-12)

Every key lives `ttl` seconds (PARLEY_TTL_SECONDS, 1 h by default), written with it in
the same command; `KeyLayout.ttl` says, per family, why a key lives as long as it does.
The one exception is a budget's usage counter: it lives until its period ends (plus an
hour), since it counts the whole period.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from parley.errors import InvalidIdError

__all__ = [
    "CONVERSATION_ID_PATTERN",
    "JOB_ID_PATTERN",
    "QUEUE_GROUP",
    "RESULT_TTL_MARGIN",
    "KeyLayout",
    "new_job_id",
    "validate_conversation_id",
    "validate_job_id",
]

# The id rules, as regular expressions the HTTP edge also publishes in its OpenAPI schema.
CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9\-_.:]{1,128}$"
# token_urlsafe(16): 128 random bits in 22 URL-safe characters. Accept a range so ids
# minted by other tools (UUIDs without dashes, longer tokens) are readable too.
JOB_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
# Seconds a result lives past the TTL of its job: it is written first, and must not expire
# a moment before the job that says it exists.
RESULT_TTL_MARGIN = 60
# The consumer group every `parley worker` reads the queue's stream in: one group, so each
# entry goes to exactly one worker.
QUEUE_GROUP = "workers"
_CONVERSATION_ID = re.compile(CONVERSATION_ID_PATTERN)
_JOB_ID = re.compile(JOB_ID_PATTERN)


def new_job_id() -> str:
    """A fresh job id: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def validate_conversation_id(value: str) -> str:
    if not isinstance(value, str) or not _CONVERSATION_ID.fullmatch(value):
        raise InvalidIdError(
            f"conversation id {value!r:.80} is invalid: use 1 to 128 letters, digits and - _ . :"
        )
    return value


def validate_job_id(value: str) -> str:
    if not isinstance(value, str) or not _JOB_ID.fullmatch(value):
        raise InvalidIdError(
            f"job id {value!r:.80} is invalid: job ids are 16 to 64 letters, digits, - and _"
        )
    return value


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """The key builders, behind an optional prefix (PARLEY_KEY_PREFIX)."""

    prefix: str = ""

    def progress(self, conversation_id: str) -> str:
        return f"{self.prefix}progress:{conversation_id}"

    def progress_channel(self, conversation_id: str) -> str:
        """Where each progress write is published, by the script that writes it: named
        like the key, so that on a Redis Cluster the sharded channel is on its slot."""
        return self.progress(conversation_id)

    def job(self, job_id: str) -> str:
        return f"{self.prefix}job:{job_id}"

    def job_index(self, conversation_id: str) -> str:
        return f"{self.prefix}job_index:{conversation_id}"

    def result(self, job_id: str) -> str:
        return f"{self.prefix}result:{job_id}"

    def input(self, job_id: str) -> str:
        return f"{self.prefix}input:{job_id}"

    def queue(self) -> str:
        return f"{self.prefix}queue:analyses"

    def usage(self, period: str) -> str:
        """The command budget's counter for one UTC period ("2026-12-01", "2026-12")."""
        return f"{self.prefix}usage:{period}"

    @staticmethod
    def ttl(family: str, ttl: float) -> float:
        """How long a key of `family` lives, given the configured TTL.

        progress, job, job_index: `ttl` from each write; a running job's heartbeat
            rewrites them, so a long analysis never expires under its own feet.
        result: `ttl` + RESULT_TTL_MARGIN (written before its job says it exists).
        input: `ttl` from the POST: a job waits at most that long in the queue, since its
            job record expires then too; deleted as soon as the job ends.
        queue: `ttl` from the last add, refreshed by the script that adds (and by workers
            while they run jobs): a stream nobody added to or worked on for that long
            holds only entries whose jobs have expired. Entries are trimmed at 4 x `ttl`.
        """
        return ttl + RESULT_TTL_MARGIN if family == "result" else ttl

    def family_patterns(self) -> dict[str, str]:
        """Glob patterns for each key family, for stats scans."""
        return {
            "progress": f"{self.prefix}progress:*",
            "job": f"{self.prefix}job:*",
            "job_index": f"{self.prefix}job_index:*",
            "result": f"{self.prefix}result:*",
            "input": f"{self.prefix}input:*",
            "queue": f"{self.prefix}queue:*",
            "usage": f"{self.prefix}usage:*",
        }
