"""The token check made at every API request (`tokens.token_in_force`) reads the token, its
user, therapist and clinic with one plain query (lib/rows.py, issue 13): the same objects, to
the last field, as the ORM's `select_related` gives, and the same refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backcare.api.models import ApiToken
from backcare.api.tokens import token_in_force
from support.api import token_for
from support.world import World


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_token_and_its_account_are_the_ones_the_orm_reads(world: World) -> None:
    presented = token_for(world.therapist)
    world.therapist.therapist.clinic.time_zone = "Europe/London"
    world.therapist.therapist.clinic.save()
    with CaptureQueriesContext(connection) as queries:
        found = token_in_force(presented, writing=True)
    assert found is not None and len(queries) == 1
    expected = ApiToken.objects.select_related("user__therapist__clinic").get(pk=found.pk)
    for mine, theirs in (
        (found, expected),
        (found.user, expected.user),
        (found.user.therapist, expected.user.therapist),
        (found.user.therapist.clinic, expected.user.therapist.clinic),
    ):
        assert _fields(mine) == _fields(theirs)
        assert type(mine) is type(theirs)
    assert found.expires_at.tzinfo is not None  # aware, as the ORM's
    assert model_to_dict(found.user.therapist.clinic)["time_zone"] == "Europe/London"
    with CaptureQueriesContext(connection) as queries:
        assert found.user.therapist.clinic.name  # linked: no query more
    assert len(queries) == 0


def test_a_token_out_of_force_is_refused(world: World) -> None:
    presented = token_for(world.therapist, write=False)
    assert token_in_force(presented, writing=False) is not None
    assert token_in_force(presented, writing=True) is None  # read-only
    assert token_in_force("bc_not-a-token", writing=False) is None
    token = ApiToken.objects.get(token_hash=ApiToken.hash(presented))
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert token_in_force(presented, writing=False) is None  # expired
    assert token_in_force(token_for(world.therapist, revoked=True), writing=False) is None
    outsider = token_for(world.outsider)  # an account that is no clinic's therapist
    assert token_in_force(outsider, writing=False) is None
    active = token_for(world.colleague)
    get_user_model().objects.filter(pk=world.colleague.pk).update(is_active=False)
    assert token_in_force(active, writing=False) is None
