"""Issue 12 point 4: the sign-in lockout counts per username across addresses and per address
across usernames, and the client's address is read behind a proxy only when one is configured
(the same address for the lockout and the self-check's rate limit)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client as Browser
from django.test import RequestFactory, override_settings
from django.urls import reverse

from backcare.lib.addresses import client_address

PASSWORD = "a-long-test-password"
BACKCARE = str(Path(sys.executable).with_name("backcare"))


def _sign_in(username: str, password: str, address: str, **headers: str) -> int:
    response = Browser(REMOTE_ADDR=address, **headers).post(
        reverse("login"), {"username": username, "password": password}
    )
    return response.status_code


def test_twenty_wrong_guesses_from_five_addresses_lock_the_user(db: Any) -> None:
    User.objects.create_user(username="victim", password=PASSWORD)
    addresses = [f"198.51.100.{n}" for n in range(1, 6)]
    statuses = [_sign_in("victim", "wrong", a) for a in addresses for _ in range(4)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert statuses[-1] == 429
    # the right password, from an address that never guessed, is refused too
    assert _sign_in("victim", PASSWORD, "198.51.100.77") == 429
    # another user is not locked (from elsewhere)
    User.objects.create_user(username="bystander", password=PASSWORD)
    assert _sign_in("bystander", PASSWORD, "198.51.100.78") == 302


def test_one_address_guessing_many_users_is_locked(db: Any) -> None:
    for name in ("ann", "ben", "cat", "dan", "eve", "fay"):
        User.objects.create_user(username=name, password=PASSWORD)
    guesser = "203.0.113.5"
    statuses = [_sign_in(name, "wrong", guesser) for name in ("ann", "ben", "cat", "dan", "eve")]
    assert statuses[:4] == [200] * 4 and statuses[-1] == 429
    assert _sign_in("fay", PASSWORD, guesser) == 429  # the address is locked, for every user
    assert _sign_in("fay", PASSWORD, "203.0.113.6") == 302  # fay herself is not


def test_signing_in_to_ones_own_account_does_not_clear_the_addresss_count(db: Any) -> None:
    for name in ("mallory", "ann", "ben", "cat", "dan", "eve"):
        User.objects.create_user(username=name, password=PASSWORD)
    here = "203.0.113.7"
    for name in ("ann", "ben", "cat", "dan"):
        assert _sign_in(name, "wrong", here) == 200
    assert _sign_in("mallory", PASSWORD, here) == 302  # her own account, between guesses
    assert _sign_in("eve", "wrong", here) == 429  # the fifth failure from here still counts


def test_a_sign_in_clears_its_own_usernames_failures(db: Any) -> None:
    User.objects.create_user(username="typo", password=PASSWORD)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"):
        assert _sign_in("typo", "wrong", address) == 200
    assert _sign_in("typo", PASSWORD, "192.0.2.9") == 302
    assert not AccessAttempt.objects.filter(username="typo").exists()
    assert _sign_in("typo", "wrong", "192.0.2.10") == 200  # a fresh count, not the fifth


def test_the_forwarded_header_is_ignored_without_a_trusted_proxy(db: Any) -> None:
    User.objects.create_user(username="victim", password=PASSWORD)
    # five guesses at five users, each claiming another address: the connection's counts
    for n in range(5):
        status = _sign_in(f"user{n}", "wrong", "192.0.2.50", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert status == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.50"}


@override_settings(BACKCARE_TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_client_is_the_last_forwarded_address(db: Any) -> None:
    proxy = "10.0.0.1"
    for n in range(5):  # five people behind one proxy, each getting a password wrong once
        forwarded = f"6.6.6.6, 198.51.100.{n}"  # the first entry is the client's own claim
        status = _sign_in(f"user{n}", "wrong", proxy, HTTP_X_FORWARDED_FOR=forwarded)
        assert status == 200
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {f"198.51.100.{n}" for n in range(5)}
    # and one client guessing through the proxy is still locked, whatever it claims
    for n in range(5):
        status = _sign_in(
            f"other{n}", "wrong", proxy, HTTP_X_FORWARDED_FOR=f"7.7.7.{n}, 198.51.100.200"
        )
    assert status == 429


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "198.51.100.1", "192.0.2.1"),
        (1, "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.1", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (2, "10.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "10.0.0.1", "198.51.100.1", "10.0.0.1"),  # fewer entries than proxies: the proxy
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "2001:DB8::1", "2001:db8::1"),
        (0, "", "", "unknown"),
    ],
)
def test_client_address(proxies: int, remote: str, forwarded: str, expected: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(BACKCARE_TRUSTED_PROXIES=proxies):
        assert client_address(request) == expected


def test_the_self_check_rate_limit_keys_on_the_client_behind_the_proxy(db: Any) -> None:
    cache.clear()
    proxy = "10.0.0.1"

    def limited(client: str) -> bool:
        browser = Browser(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=client)
        # any post counts (an empty one is answered 422, a limited one 429)
        return browser.post(reverse("self_check"), {}).status_code == 429

    with override_settings(BACKCARE_TRUSTED_PROXIES=1):
        # twenty-five people behind the clinic's proxy are not one person
        assert not any(limited(f"198.51.100.{n}") for n in range(25))
        # one person is limited, however they vary what they claim left of the proxy's entry
        _at_the_start_of_a_minute()
        statuses = [limited(f"6.6.6.{n}, 198.51.100.99") for n in range(22)]
        assert statuses[:20] == [False] * 20 and statuses[-1]
    cache.clear()
    # without a configured proxy the header is ignored: the proxy's address is the one counted
    _at_the_start_of_a_minute()
    assert [limited(f"198.51.100.{n}") for n in range(22)][-1]


def _at_the_start_of_a_minute() -> None:
    """The rate limit counts per clock minute: 22 posts made across a minute's end would be
    counted in two windows. Late in a minute, wait for the next one to start."""
    second = time.time() % 60
    if second > 30:
        time.sleep(60 - second + 0.1)


def test_a_bad_trusted_proxies_setting_is_named(tmp_path: Path) -> None:
    env = {**os.environ, "BACKCARE_TRUSTED_PROXIES": "all", "BACKCARE_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [BACKCARE, "manage", "check"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode != 0 and "BACKCARE_TRUSTED_PROXIES" in result.stderr
