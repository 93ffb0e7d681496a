"""The suite runs in parallel (pytest-xdist, ``make test``): what keeps workers apart."""

import re
import uuid

import pytest

from tests import conftest
from tests.conftest import REDIS_URL, ROOT
from tests.jobs.conftest import delete_queue_keys


@pytest.mark.parametrize(("worker", "base", "expected"), [
    ("", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
    ("gw0", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/15"),
    ("gw1", "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),
    ("gw3", "redis://:pw@redis.example:6380/2", "redis://:pw@redis.example:6380/15"),
])
def test_each_worker_has_a_redis_database_of_its_own(monkeypatch, worker, base, expected):
    monkeypatch.setattr(conftest, "XDIST_WORKER", worker)
    assert conftest._worker_redis_url(base) == expected


def test_this_worker_uses_its_own_redis_database():
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    others = {conftest._worker_redis_url(base, f"gw{n}") for n in range(8)
              if f"gw{n}" != worker}
    assert REDIS_URL not in others


def test_no_test_empties_a_whole_redis_database():
    """``flushdb``/``flushall`` would wipe the queues of a live stack or of another test
    running at the same time; tests delete only the keys they made."""
    pattern = re.compile(r"\.(flushdb|flushall)\(")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("*.py")
                 if path.name != "test_parallel_isolation.py"
                 and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_cleaning_up_a_job_queue_leaves_other_keys_alone(redis_url):
    """The Redis job tests remove only their own queue's keys afterwards."""
    from redis import Redis

    client = Redis.from_url(redis_url)
    mine, other = f"iso-{uuid.uuid4().hex[:8]}", f"iso-{uuid.uuid4().hex[:8]}"
    try:
        for name in (mine, other):
            client.rpush(f"rq:queue:{name}", "job")
            client.zadd(f"rq:wip:{name}", {"job": 1})
        client.set(f"kretslop:{mine}-lookalike", "x")
        client.hset(f"rq:job:{mine}-job", mapping={"origin": mine})
        client.hset(f"rq:job:{other}-job", mapping={"origin": other})
        assert delete_queue_keys(client, mine) == 3
        assert not client.exists(f"rq:queue:{mine}", f"rq:wip:{mine}", f"rq:job:{mine}-job")
        assert client.exists(f"rq:job:{other}-job")
        assert client.exists(f"rq:queue:{other}", f"rq:wip:{other}",
                             f"kretslop:{mine}-lookalike") == 3
    finally:
        client.delete(f"rq:queue:{other}", f"rq:wip:{other}", f"kretslop:{mine}-lookalike",
                      f"rq:queue:{mine}", f"rq:wip:{mine}", f"rq:job:{mine}-job",
                      f"rq:job:{other}-job")
        client.close()
