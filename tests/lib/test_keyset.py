"""lib/keyset.py with a key of mixed directions, as the "Needs attention" list walks it
(attention and alerts descending, then name and id ascending): every row once, in the order of
`order_by`, forward and back, and a cursor of another list refused."""

from __future__ import annotations

from typing import Any

import pytest

from backcare.accounts.models import Clinic
from backcare.clinic.models import Client
from backcare.lib import keyset
from support.world import make_therapist

KEY = ("-attention", "-alerts_to_acknowledge", "full_name", "id")


@pytest.fixture
def clients(db: Any) -> Any:
    clinic = Clinic.objects.create(name="Keyset")
    therapist = make_therapist("kim", clinic).therapist
    # Ties on every field but the id: two of each name at each level, some with alerts.
    Client.objects.bulk_create(
        Client(
            clinic=clinic,
            therapist=therapist,
            full_name=f"Client {'ABC'[i % 3]}",
            attention=(0, 1, 2, 4, 5)[i % 5],
            alerts_to_acknowledge=i % 2,
        )
        for i in range(37)
    )
    return Client.objects.filter(clinic=clinic)


@pytest.mark.parametrize("limit", [1, 4, 10, 36, 37, 50])
def test_pages_walk_every_row_once_in_order_forward_and_back(clients: Any, limit: int) -> None:
    expected = list(clients.order_by(*KEY).values_list("pk", flat=True))
    pages, after = [], None
    while True:
        page = keyset.page(clients, scope="t", key=KEY, limit=limit, after=after)
        pages.append([c.pk for c in page])
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert [pk for p in pages for pk in p] == expected
    assert all(len(p) == limit for p in pages[:-1])
    # back from the last page, page by page, to the first
    back, before = [pages[-1]], page.previous_cursor
    while before is not None:
        page = keyset.page(clients, scope="t", key=KEY, limit=limit, after=before)
        back.append([c.pk for c in page])
        before = page.previous_cursor
    assert [pk for p in reversed(back) for pk in p] == expected


def test_a_cursor_of_another_list_is_refused(clients: Any) -> None:
    page = keyset.page(clients, scope="t", key=KEY, limit=5)
    assert page.next_cursor is not None
    with pytest.raises(keyset.BadCursor):
        keyset.page(clients, scope="other", key=KEY, limit=5, after=page.next_cursor)
