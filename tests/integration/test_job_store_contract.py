"""The job store's contract on both backends: key layout, lifecycle, races, stale rule."""

from __future__ import annotations

import asyncio

import pytest

from parley.errors import (
    ConversationTakenError,
    InputTooLargeError,
    InvalidIdError,
    JobConflictError,
    StoreFullError,
)
from parley.jobs import ErrorCode, JobStatus, JobStore, Progress, StoreConfig
from parley.kv import KV, MemoryKV
from parley.kv._codec import DICTIONARY_MAGIC
from parley.settings import ExecutionMode
from tests.conftest import CONTRACT_TTL

CONV = "chat-1"


def make_store(kv: KV, **config: float | str | int) -> JobStore:
    options: dict[str, float | str | int] = {"ttl_seconds": CONTRACT_TTL, "stale_seconds": 30}
    options.update(config)
    return JobStore(kv, StoreConfig(**options))  # type: ignore[arg-type]


@pytest.fixture
def store(kv: KV) -> JobStore:
    return make_store(kv)


async def keys(kv: KV) -> set[str]:
    return {k async for k in kv.scan("*")}


async def test_creating_a_job_writes_the_documented_keys(store: JobStore, kv: KV) -> None:
    job, created = await store.create_or_get(CONV)
    assert created
    assert job.status is JobStatus.QUEUED
    assert await keys(kv) == {f"job:{job.job_id}", f"job_index:{CONV}", f"progress:{CONV}"}
    assert await kv.get(f"job_index:{CONV}") == job.job_id.encode()
    progress = await store.get_progress(CONV)
    assert progress is not None
    assert (progress.job_id, progress.status) == (job.job_id, JobStatus.QUEUED)


async def test_job_ids_are_url_safe_with_128_random_bits(store: JobStore) -> None:
    ids = {(await store.create_or_get(f"c{i}"))[0].job_id for i in range(20)}
    assert len(ids) == 20
    for job_id in ids:
        assert len(job_id) >= 22
        assert job_id.replace("-", "").replace("_", "").isalnum()


async def test_a_second_request_gets_the_existing_job(store: JobStore) -> None:
    first, _ = await store.create_or_get(CONV)
    again, created = await store.create_or_get(CONV)
    assert not created
    assert again.job_id == first.job_id


async def test_fifty_concurrent_requests_create_exactly_one_job(store: JobStore, kv: KV) -> None:
    results = await asyncio.gather(*(store.create_or_get(CONV) for _ in range(50)))
    assert len({job.job_id for job, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert len([k for k in await keys(kv) if k.startswith("job:")]) == 1


async def test_the_lifecycle_runs_queued_running_completed(store: JobStore, kv: KV) -> None:
    job, _ = await store.create_or_get(CONV)
    running = await store.start(job.job_id)
    assert running.status is JobStatus.RUNNING
    assert running.attempts == 1
    assert running.started_at is not None
    await store.report_progress(running, "parsing", 40, "Parsing messages")
    progress = await store.get_progress(CONV)
    assert progress is not None
    assert (progress.stage, progress.percent, progress.status) == ("parsing", 40, JobStatus.RUNNING)

    done = await store.complete(running, {"summary": ["ok"]})
    assert done.status is JobStatus.COMPLETED
    assert done.result_bytes is not None
    assert done.result_bytes > 0
    assert await store.get_result(job.job_id) == {"summary": ["ok"]}
    finished = await store.get_progress(CONV)
    assert finished is not None
    assert (finished.status, finished.percent) == (JobStatus.COMPLETED, 100)
    assert await keys(kv) == {
        f"job:{job.job_id}",
        f"job_index:{CONV}",
        f"progress:{CONV}",
        f"result:{job.job_id}",
    }


async def test_a_completed_job_is_reused_unless_forced(store: JobStore) -> None:
    job, _ = await store.create_or_get(CONV)
    await store.complete(await store.start(job.job_id), {"n": 1})
    same, created = await store.create_or_get(CONV)
    assert (same.job_id, created) == (job.job_id, False)
    fresh, created = await store.create_or_get(CONV, force=True)
    assert created
    assert fresh.job_id != job.job_id
    assert (await store.find_job(CONV)) == fresh
    assert await store.get_result(job.job_id) == {"n": 1}  # the old result stays readable


async def test_a_completed_job_whose_result_was_evicted_reads_as_result_lost(
    store: JobStore, kv: KV
) -> None:
    job, _ = await store.create_or_get(CONV)
    done = await store.complete(await store.start(job.job_id), {"n": 1})
    assert await store.settled(done) == done  # the result is there: nothing changes

    await kv.delete(f"result:{job.job_id}")  # what an allkeys-lru Redis does when full

    lost = await store.settled(done)
    assert lost.status is JobStatus.FAILED
    assert lost.error is not None
    assert lost.error.code is ErrorCode.RESULT_LOST
    assert "maxmemory-policy noeviction" in lost.error.message
    assert lost.error.code.rerunnable


async def test_a_conversation_whose_result_was_evicted_runs_again(store: JobStore, kv: KV) -> None:
    job, _ = await store.create_or_get(CONV)
    await store.complete(await store.start(job.job_id), {"n": 1})
    await kv.delete(f"result:{job.job_id}")

    again, created = await store.create_or_get(CONV)

    assert created
    assert again.job_id != job.job_id


async def test_a_live_job_is_not_replaced_even_when_forced(store: JobStore) -> None:
    job, _ = await store.create_or_get(CONV)
    await store.start(job.job_id)
    again, created = await store.create_or_get(CONV, force=True)
    assert (again.job_id, created) == (job.job_id, False)


async def test_a_failed_job_carries_its_error_and_is_replaced_by_a_new_request(
    store: JobStore,
) -> None:
    job, _ = await store.create_or_get(CONV)
    failed = await store.fail(
        await store.start(job.job_id), ErrorCode.INPUT_ERROR, "line 3 is not a message"
    )
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code is ErrorCode.INPUT_ERROR
    progress = await store.get_progress(CONV)
    assert progress is not None
    assert progress.status is JobStatus.FAILED
    assert progress.error == failed.error
    replacement, created = await store.create_or_get(CONV)
    assert created
    assert replacement.job_id != job.job_id


async def test_a_queued_job_can_be_failed_before_it_starts(store: JobStore) -> None:
    job, _ = await store.create_or_get(CONV)
    failed = await store.fail(job, ErrorCode.INPUT_ERROR, "no messages")
    assert failed.status is JobStatus.FAILED


async def test_a_finished_job_cannot_start_again(store: JobStore) -> None:
    job, _ = await store.create_or_get(CONV)
    await store.complete(await store.start(job.job_id), {})
    with pytest.raises(JobConflictError):
        await store.start(job.job_id)


async def test_heartbeat_refreshes_the_ttls_of_the_running_jobs_keys(kv: KV) -> None:
    store = make_store(kv)
    job, _ = await store.create_or_get(CONV)
    running = await store.start(job.job_id)
    await kv.expire(f"job:{job.job_id}", 5)
    await kv.expire(f"job_index:{CONV}", 5)
    await kv.expire(f"progress:{CONV}", 5)
    beat = await store.heartbeat(running, Progress.starting(running))
    assert beat.heartbeat_at is not None
    assert running.heartbeat_at is not None
    assert beat.heartbeat_at >= running.heartbeat_at
    for key in (f"job:{job.job_id}", f"job_index:{CONV}", f"progress:{CONV}"):
        assert (await kv.ttl(key) or 0) > CONTRACT_TTL - 2, key


@pytest.mark.slow
async def test_a_job_whose_heartbeat_stops_reads_as_failed_worker_lost(kv: KV) -> None:
    store = make_store(kv, stale_seconds=0.5)
    job, _ = await store.create_or_get(CONV)
    running = await store.start(job.job_id)
    await store.report_progress(running, "analysing", 50)
    live = await store.get_job(job.job_id)
    assert live is not None
    assert live.status is JobStatus.RUNNING
    await asyncio.sleep(0.8)

    lost = await store.get_job(job.job_id)
    assert lost is not None
    assert lost.status is JobStatus.FAILED
    assert lost.error is not None
    assert lost.error.code == ErrorCode.WORKER_LOST
    progress = await store.get_progress(CONV)
    assert progress is not None
    assert progress.status is JobStatus.FAILED
    assert progress.error is not None
    assert progress.error.code == ErrorCode.WORKER_LOST

    # A new request replaces the lost job, and the lost owner can no longer write.
    replacement, created = await store.create_or_get(CONV)
    assert created
    assert replacement.job_id != job.job_id
    with pytest.raises(JobConflictError):
        await store.heartbeat(running, Progress.starting(running))


@pytest.mark.slow
async def test_a_job_nobody_started_reads_as_lost_and_is_replaced(kv: KV) -> None:
    """The process that created it died (or its start failed) before starting it: the
    conversation must not stay blocked behind a queued job for the whole TTL."""
    store = make_store(kv, stale_seconds=0.3)
    job, _ = await store.create_or_get(CONV)
    await asyncio.sleep(0.5)
    lost = await store.get_job(job.job_id)
    assert lost is not None
    assert lost.status is JobStatus.FAILED
    assert lost.error is not None
    assert lost.error.code == ErrorCode.WORKER_LOST
    progress = await store.get_progress(CONV)
    assert progress is not None
    assert progress.status is JobStatus.FAILED
    replacement, created = await store.create_or_get(CONV)
    assert created
    assert replacement.job_id != job.job_id


@pytest.mark.slow
async def test_a_lost_job_can_be_taken_over_and_fences_out_its_old_owner(kv: KV) -> None:
    store = make_store(kv, stale_seconds=0.3)
    job, _ = await store.create_or_get(CONV)
    old_owner = await store.start(job.job_id)
    await asyncio.sleep(0.5)
    new_owner = await store.start(job.job_id)
    assert new_owner.attempts == 2
    with pytest.raises(JobConflictError):
        await store.complete(old_owner, {"from": "old"})
    await store.complete(new_owner, {"from": "new"})
    assert await store.get_result(job.job_id) == {"from": "new"}


async def test_a_reader_never_sees_completed_without_the_result(store: JobStore) -> None:
    """Write order: result, then job, then progress. A reader polling throughout any number
    of completions must find the result whenever job or progress says completed."""
    conversations = [f"order-{i}" for i in range(20)]
    jobs = [await store.start((await store.create_or_get(c))[0].job_id) for c in conversations]
    stop = asyncio.Event()
    violations: list[str] = []
    observed_completed = 0

    async def reader() -> None:
        nonlocal observed_completed
        while not stop.is_set():
            for job in jobs:
                progress = await store.get_progress(job.conversation_id)
                if progress is not None and progress.status is JobStatus.COMPLETED:
                    observed_completed += 1
                    if await store.get_result(progress.job_id) is None:
                        violations.append(f"progress completed, no result: {job.job_id}")
                current = await store.get_job(job.job_id)
                completed = current is not None and current.status is JobStatus.COMPLETED
                if completed and await store.get_result(job.job_id) is None:
                    violations.append(f"job completed, no result: {job.job_id}")
            await asyncio.sleep(0)

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    for job in jobs:
        await store.complete(job, {"payload": "x" * 5000, "job": job.job_id})
        await asyncio.sleep(0)
    stop.set()
    await asyncio.gather(*readers)
    assert violations == []
    assert observed_completed > 0


async def test_large_results_are_stored_compressed_and_read_back_whole(
    store: JobStore, kv: KV
) -> None:
    result = {"words": [f"word{i}" for i in range(20_000)]}
    job, _ = await store.create_or_get(CONV)
    done = await store.complete(await store.start(job.job_id), result)
    raw = await kv.get(f"result:{job.job_id}")
    assert raw is not None
    assert raw.startswith(DICTIONARY_MAGIC)  # compressed with the results' dictionary
    assert done.result_bytes == len(raw)
    assert await store.get_result(job.job_id) == result


async def test_small_values_stay_plain_json_for_redis_cli(store: JobStore, kv: KV) -> None:
    await store.create_or_get(CONV)
    raw = await kv.get(f"progress:{CONV}")
    assert raw is not None
    assert raw.startswith(b"{")


async def test_a_result_over_the_limit_is_refused_and_nothing_is_marked_complete(kv: KV) -> None:
    store = make_store(kv, max_result_bytes=100, compress_threshold_bytes=10_000)
    job, _ = await store.create_or_get(CONV)
    running = await store.start(job.job_id)
    with pytest.raises(InputTooLargeError, match="PARLEY_MAX_RESULT_BYTES"):
        await store.complete(running, {"big": "x" * 1000})
    assert await store.get_result(job.job_id) is None
    current = await store.get_job(job.job_id)
    assert current is not None
    assert current.status is JobStatus.RUNNING


async def test_erase_deletes_every_key_of_the_conversation(store: JobStore, kv: KV) -> None:
    job, _ = await store.create_or_get(CONV)
    await store.complete(await store.start(job.job_id), {"x": 1})
    await store.create_or_get("other")
    assert await store.erase(CONV) == 4
    assert {k for k in await keys(kv) if CONV in k or job.job_id in k} == set()
    assert await store.find_job(CONV) is None
    assert await store.get_progress(CONV) is None
    assert await store.find_job("other") is not None


async def test_the_key_prefix_applies_to_every_key(kv: KV) -> None:
    store = make_store(kv, key_prefix="staging:")
    job, _ = await store.create_or_get(CONV)
    await store.complete(await store.start(job.job_id), {})
    assert all(k.startswith("staging:") for k in await keys(kv))
    assert f"staging:result:{job.job_id}" in await keys(kv)


async def test_unknown_ids_read_as_none(store: JobStore) -> None:
    assert await store.get_job("A" * 22) is None
    assert await store.get_result("A" * 22) is None
    assert await store.get_progress("never-seen") is None
    assert await store.find_job("never-seen") is None


@pytest.mark.parametrize(
    "bad", ["", "has space", "x" * 129, "semi;colon", "slash/y", "é", "trailing\n", "a\nb"]
)
async def test_invalid_conversation_ids_are_rejected_with_the_rule(
    store: JobStore, bad: str
) -> None:
    with pytest.raises(InvalidIdError, match=r"1 to 128 letters, digits and - _ \. :"):
        await store.create_or_get(bad)


@pytest.mark.parametrize(
    "bad", ["short", "../../etc/passwd", "x" * 65, "job id with spaces!!", "A" * 22 + "\n"]
)
async def test_invalid_job_ids_are_rejected(store: JobStore, bad: str) -> None:
    with pytest.raises(InvalidIdError):
        await store.get_job(bad)


async def test_a_hand_back_retried_after_a_lost_reply_finds_its_own_write(
    store: JobStore,
) -> None:
    job, _ = await store.create_or_get(CONV, mode=ExecutionMode.QUEUE)
    running = await store.start(job.job_id)
    first = await store.hand_back(running, "shutting down")
    again = await store.hand_back(running, "shutting down")  # the retry of a lost reply
    assert first == again
    assert (again.status, again.attempts, again.handbacks) == (JobStatus.QUEUED, 1, 1)


async def test_a_completed_job_says_so_even_when_its_last_progress_write_meets_a_full_store() -> (
    None
):
    """The result and the job record fit, the completed progress (a little longer than the
    running one) would not: it is written anyway, so progress never contradicts the job.
    The memory backend's byte limit makes the boundary exact (Redis admits a write below
    maxmemory, whatever its size, so there the same edge cannot be aimed at)."""

    async def complete_in(kv: MemoryKV) -> None:
        store = make_store(kv)
        job, _ = await store.create_or_get(CONV)
        await store.complete(await store.start(job.job_id), {"n": 1})

    measure = MemoryKV()
    await complete_in(measure)
    needed = (await measure.info()).used_memory
    kv = MemoryKV(max_bytes=needed - 4)  # everything but the last few bytes fits
    try:
        store = make_store(kv)
        job, _ = await store.create_or_get(CONV)
        done = await store.complete(await store.start(job.job_id), {"n": 1})
        progress = await store.get_progress(CONV)
        assert done.status is JobStatus.COMPLETED
        assert progress is not None
        assert (progress.status, progress.percent) == (JobStatus.COMPLETED, 100)
    finally:
        await kv.aclose()


async def test_a_creation_the_full_store_refuses_part_way_leaves_nothing_behind() -> None:
    """The job and its index fit, the progress does not: the creation fails as store
    full (a 507) and takes back what it wrote. The memory backend's byte limit aims at
    the last write exactly; Redis's version of this is the queue-mode test with a filled
    maxmemory."""
    measure = MemoryKV()
    await make_store(measure).create_or_get(CONV)
    needed = (await measure.info()).used_memory
    kv = MemoryKV(max_bytes=needed - 10)
    try:
        with pytest.raises(StoreFullError):
            await make_store(kv).create_or_get(CONV)
        assert [key async for key in kv.scan("*")] == []
    finally:
        await kv.aclose()


async def test_a_replacing_job_keeps_the_first_owner_and_erase_takes_both(
    store: JobStore, kv: KV
) -> None:
    first, _ = await store.create_or_get(CONV, token_hash="a" * 64)
    await store.complete(await store.start(first.job_id), {"n": 1})
    second, created = await store.create_or_get(CONV, force=True, token_hash="b" * 64)
    assert created
    assert (second.token_hash, second.replaces) == ("a" * 64, first.job_id)
    await store.complete(await store.start(second.job_id), {"n": 2})

    await store.erase(CONV)

    assert await keys(kv) == set()


async def test_the_same_id_with_other_content_is_taken_not_reused(store: JobStore) -> None:
    job, _ = await store.create_or_get(CONV, input_hash="a" * 64)
    same, created = await store.create_or_get(CONV, input_hash="a" * 64)
    assert (same.job_id, created) == (job.job_id, False)  # the same content: deduplicated

    with pytest.raises(ConversationTakenError) as info:
        await store.create_or_get(CONV, input_hash="b" * 64)
    assert info.value.details() == {"conversationId": CONV, "jobId": job.job_id}

    await store.complete(await store.start(job.job_id), {"n": 1})
    with pytest.raises(ConversationTakenError):
        await store.create_or_get(CONV, input_hash="b" * 64)
    replaced, created = await store.create_or_get(CONV, force=True, input_hash="b" * 64)
    assert created
    assert replaced.input_hash == "b" * 64


async def test_an_owners_heartbeat_is_one_compare_and_set_when_nobody_else_wrote(
    kv: KV,
) -> None:
    store = make_store(kv)
    job, _ = await store.create_or_get("conv")
    running = await store.start(job.job_id)  # its creation was this process's write
    before = kv.commands.by_name()
    beaten = await store.heartbeat(running, None, refresh_index=False)
    after = kv.commands.by_name()
    sent = {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name)}
    assert sent == {"EVALSHA cas": 1}
    assert beaten.heartbeat_at is not None


async def test_a_record_another_process_wrote_meanwhile_is_read_before_the_owner_writes(
    kv: KV,
) -> None:
    owner, other = make_store(kv, stale_seconds=0.2), make_store(kv, stale_seconds=0.2)
    job, _ = await owner.create_or_get("conv")
    running = await owner.start(job.job_id)
    await asyncio.sleep(0.3)  # its heartbeat is stale: another process takes it over
    taken = await other.start(job.job_id)
    assert taken.attempts == running.attempts + 1
    with pytest.raises(JobConflictError):  # the owner's guess failed; it read, and is out
        await owner.heartbeat(running, None)
    back = await other.heartbeat(taken, None)  # the new owner's own write is intact
    assert back.attempts == taken.attempts
