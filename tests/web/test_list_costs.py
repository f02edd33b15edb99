"""Issue 13, point 3: list pages whose queries do not grow with the clinic. The dashboard (and
its search), the audit page and the API's clients list read the same number of queries for a
clinic of 20 clients as for one of 200, with every list on the page filled, so no row makes a
query of its own (a client's address, its words, its therapist or its outcome)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backcare.accounts.models import Clinic
from backcare.clinic import actions
from backcare.clinic.models import Client
from support.api import token_for
from support.world import browser_for, make_therapist


def _seeded() -> tuple[Any, Clinic]:
    """An admin and a clinic of 20 clients seeded through the core (records, states, notes
    to sign)."""
    clinic = Clinic.objects.create(name="Costs")
    admin = make_therapist("cora", clinic, admin=True)
    call_command(
        "seed_clinic",
        f"--clinic={clinic.pk}",
        "--clients=20",
        "--sessions-per-client=2",
        "--seed=3",
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    return admin, clinic


def _grow(clinic: Clinic, clients: int) -> None:
    """The clinic grown to `clients` clients: copies of the seeded clients' rows (their stored
    state and dates) under other names."""
    seeded = list(Client.objects.filter(clinic=clinic).order_by("pk"))
    copies = []
    for i in range(clients - len(seeded)):
        copy = Client.objects.get(pk=seeded[i % len(seeded)].pk)
        copy.pk = None
        copy.full_name = f"{copy.full_name} {i}"
        copies.append(copy)
    Client.objects.bulk_create(copies)
    assert Client.objects.filter(clinic=clinic).count() == clients


def _counted(browser: Any, path: str, **headers: Any) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path, **headers)
    assert response.status_code == 200, response.content[:300]
    return len(queries), response.content.decode()


def _dashboard(admin: Any) -> tuple[int, int, dict[str, int]]:
    # Both measured alike: no cached fragment, and the search's read audited (its audit row
    # is written at most once a minute a user).
    cache.clear()
    browser = browser_for(admin)
    page_queries, page = _counted(browser, reverse("dashboard"))
    search_queries, _ = _counted(browser, reverse("dashboard") + "?q=a", HTTP_HX_REQUEST="true")
    rows = {
        "attention": len(re.findall(r'<tr class="level-', page)),
        "unsigned": page.count("data-unsigned-session="),
        "due": page.count("data-due-client="),
        "overdue": page.count("— last contact"),
        "everyone": page.count("<tr data-client="),
        "cut short": page.count('class="list-capped"'),
    }
    return page_queries, search_queries, rows


def test_the_dashboard_reads_as_many_queries_at_200_clients_as_at_20(db: Any) -> None:
    admin, clinic = _seeded()
    small, small_search, small_rows = _dashboard(admin)
    _grow(clinic, 200)
    large, large_search, large_rows = _dashboard(admin)
    # A list cut short (views.LIST_LIMIT) counts its whole length for its heading: one query
    # each, and nothing else grows.
    assert small_rows.pop("cut short") == 0
    assert (large, large_search) == (small + large_rows.pop("cut short"), small_search)
    # Every list was read and shown, and longer at 200 where it is not capped.
    assert all(n > 0 for n in small_rows.values()), small_rows
    assert large_rows["everyone"] == 50 > small_rows["everyone"] == 20
    assert large_rows["attention"] > small_rows["attention"]


def test_the_audit_page_reads_as_many_queries_for_100_rows_as_for_10(db: Any) -> None:
    admin, clinic = _seeded()
    clients = list(Client.objects.filter(clinic=clinic).order_by("pk"))
    browser = browser_for(admin)
    path = reverse("audit_log") + f"?person={admin.pk}"

    def read(n: int) -> None:
        for i in range(n):
            actions.record_view(by=admin, client=clients[i % len(clients)], what="client")

    read(10)
    _counted(browser, path)  # the first request of a session reads more (its sign-in)
    few, page = _counted(browser, path)
    assert 10 <= page.count('data-action="view.client"') < 100
    read(200)
    many, page = _counted(browser, path)
    assert page.count('data-action="view.client"') == 100  # a full page, each with its client
    assert page.count('<a href="?client=') == 100
    assert many == few


def test_the_api_clients_list_reads_as_many_queries_at_200_clients_as_at_20(db: Any) -> None:
    admin, clinic = _seeded()
    token = token_for(admin, write=False)
    api = Browser()
    path = "/api/v1/clients?limit=50"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    _counted(api, path, **auth)  # a token's first use is written down
    small, body = _counted(api, path, **auth)
    assert len(json.loads(body)) == 20
    _grow(clinic, 200)
    large, body = _counted(api, path, **auth)
    assert len(json.loads(body)) == 50
    assert large == small


def test_a_list_cut_short_counts_every_client_in_its_heading(db: Any, monkeypatch: Any) -> None:
    """With lists of 5 rows at most, each list longer than that shows 5, says "the first 5 of N",
    and its heading counts all N (as the database does), so "Needs attention" never reads
    fewer clients than need it."""
    from django.db.models import Q

    from backcare.clinic import views

    admin, clinic = _seeded()
    monkeypatch.setattr(views, "LIST_LIMIT", 5)
    cache.clear()
    page = browser_for(admin).get(reverse("dashboard")).content.decode()
    need = Client.objects.filter(clinic=clinic).filter(
        Q(attention__gte=1) | Q(alerts_to_acknowledge__gt=0) | Q(assessment_changed=True)
    )
    total = need.count()
    assert total > 5  # the seeded clinic has more than a short list's worth
    section = page.split('id="attention-h"', 1)[1].split("</section>", 1)[0]
    assert section.startswith(f">Needs attention ({total})</h2>")
    assert len(re.findall(r'<tr class="level-', section)) == 5
    assert f'data-shown="5" data-total="{total}"' in section
    assert f"The first 5 of {total} are shown, the most urgent first." in section
    # the five shown are the most urgent: no client left out is more urgent than one shown
    shown = {int(pk) for pk in re.findall(r'href="/clients/(\d+)/"', section)}
    lowest = min(need.filter(pk__in=shown).values_list("attention", flat=True))
    assert not need.exclude(pk__in=shown).filter(attention__gt=lowest).exists()


def test_the_whole_attention_list_is_paged_from_the_dashboards_link(
    db: Any, monkeypatch: Any
) -> None:
    """The dashboard's cut-short "Needs attention" links to the whole list; its pages (5 rows
    here) hold every client who needs attention once, most urgent first, and another clinic's
    none; reading it is audited."""
    from backcare.audit.models import AuditEvent
    from backcare.clinic import views

    admin, clinic = _seeded()
    other = Clinic.objects.create(name="Elsewhere")
    olga = make_therapist("olga", other).therapist
    Client.objects.bulk_create(  # another clinic's emergencies: never on this clinic's list
        Client(clinic=other, therapist=olga, full_name=f"Elsewhere {i}", attention=5)
        for i in range(3)
    )
    monkeypatch.setattr(views, "LIST_LIMIT", 5)
    cache.clear()
    browser = browser_for(admin)
    dashboard = browser.get(reverse("dashboard")).content.decode()
    link = reverse("needs_attention")
    assert f'<a href="{link}">See all ' in dashboard
    # a search's count is of the clients it matched: no link to the whole list beside it
    searched = browser.get(reverse("dashboard") + "?q=a").content.decode()
    assert "See all " not in searched
    expected = list(
        Client.objects.filter(clinic=clinic)
        .filter(views.NEEDS_ATTENTION)
        .order_by(*views.ATTENTION_ORDER)
        .values_list("pk", flat=True)
    )
    assert len(expected) > 10  # three pages at least
    seen, path, pages = [], link, 0
    while path:
        page = browser.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert f"<h1>Needs attention ({len(expected)})</h1>" in html
        rows = re.findall(r'<tr class="level-\d+"><td><a href="/clients/(\d+)/"', html)
        assert 1 <= len(rows) <= 5
        seen += [int(pk) for pk in rows]
        pages += 1
        found = re.search(r'<a href="(\?cursor=[^"]+)" rel="next">', html)
        path = link + found.group(1).replace("&amp;", "&") if found else ""
    assert seen == expected
    assert pages == -(-len(expected) // 5)
    reads = AuditEvent.objects.filter(action="view.needs_attention", actor=admin)
    assert reads.count() == pages and {r.clinic_id for r in reads} == {clinic.pk}
    # a cursor not of this list shows the first page, not an error
    assert browser.get(link + "?cursor=nonsense").status_code == 200
