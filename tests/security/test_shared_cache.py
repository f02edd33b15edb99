"""The cache several app servers share (issue 13, point 4): Redis by BACKCARE_CACHE_URL, checked
at start-up; each process's memory without it. Two real servers: tests/web/test_two_servers.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

BACKCARE = str(Path(sys.executable).with_name("backcare"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/0",  # not Redis
        "redis:///0",  # no host
        "redis://127.0.0.1:port/0",  # a port that is not a number
        "redis://127.0.0.1:6379/zero",  # a database that is not a number
        "redis://:s3cret-pass@127.0.0.1:6379/0?db=1",  # a query: two ways to say one thing
    ],
)
def test_a_bad_cache_url_stops_the_start_and_is_named_without_its_password(
    url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "BACKCARE_CACHE_URL": url, "BACKCARE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "BACKCARE_CACHE_URL must be a Redis URL" in result.stderr
    assert "s3cret-pass" not in result.stderr + result.stdout


def test_a_good_cache_url_starts(tmp_path: Path) -> None:
    # No Redis needs to answer for the check: the cache connects on first use.
    env = {
        **os.environ,
        "BACKCARE_CACHE_URL": "redis://127.0.0.1:1/3",
        "BACKCARE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_without_a_cache_url_each_process_keeps_its_own_cache() -> None:
    if os.environ.get("BACKCARE_CACHE_URL"):
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.skipif(not os.environ.get("BACKCARE_CACHE_URL"), reason="no Redis configured")
def test_the_counter_is_one_redis_integer_that_counts_atomically() -> None:
    # The rate limit's add + incr: Redis' own INCR, so two servers never lose a count.
    assert cache.add("counter-test", 0, 60)
    assert not cache.add("counter-test", 0, 60)  # a second server's add keeps the count
    assert [cache.incr("counter-test") for _ in range(3)] == [1, 2, 3]
    client = cache._cache.get_client("counter-test", write=False)  # type: ignore[attr-defined]
    assert client.get(cache.make_key("counter-test")) == b"3"
