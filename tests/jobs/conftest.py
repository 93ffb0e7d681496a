"""Redis for the job tests: this worker's own Redis database and a queue of the test's
own. Nothing here empties a whole database (``flushdb``): a live stack or another test
may be using it at the same time."""

import uuid

import pytest

from tests.conftest import REDIS_URL, service_missing


def delete_queue_keys(client, name: str) -> int:
    """Delete the keys of RQ queue ``name`` (queue, registries, its jobs), nothing else.
    Its jobs too: job ids (``outbox-<event id>``) come round again in the next test, and
    a stale job hash left behind made a later burst worker wait a minute."""
    keys = list(client.scan_iter(match=f"*:{name}", count=500))
    keys += list(client.scan_iter(match=f"*:{name}:*", count=500))
    for job_key in client.scan_iter(match="rq:job:*", count=500, _type="hash"):
        if client.hget(job_key, "origin") == name.encode():
            keys.append(job_key)
            keys += list(client.scan_iter(match=job_key.decode() + ":*", count=500))
            keys += list(client.scan_iter(
                match=f"rq:executions:{job_key.decode().removeprefix('rq:job:')}*", count=500))
    return client.delete(*keys) if keys else 0


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisDown as exc:
        service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def jobs_queue(redis_url):
    """A queue of this test's own; afterwards only its keys are removed."""
    from redis import Redis

    name = f"kretslop-test-{uuid.uuid4().hex[:8]}"
    yield name
    client = Redis.from_url(redis_url)
    delete_queue_keys(client, name)
    client.close()
