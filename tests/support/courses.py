"""One way to build a client's course for the tests of every surface (FHIR, PDF, pages).

    client = (
        CourseOf(world.therapist, "Carol Course")
        .intake(INTAKE, rmdq=12, odi="40", peg="6.3")
        .session("2026-01-05", sign=True, amend={"pain_after": 3}, reason="Misread.")
        .checkin("2026-01-09", pain=4, rmdq=8)
        .client
    )

Every step goes through the clinic's actions (so the audit rows, the summary and the stored
state are the real ones). Sessions take `SESSION_VALUES` plus what is given, and may be
recorded after the fact (`AFTER_THE_FACT`), since tests write courses in the past.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from backcare.clinic import actions
from backcare.clinic.models import Client
from backcare.core.validation import parse_intake
from support import AFTER_THE_FACT
from support.world import SESSION_VALUES


def _decimal(value: str | int | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class CourseOf:
    """A new client of `user`'s, built step by step."""

    def __init__(self, user: User, name: str) -> None:
        self.user = user
        self.client: Client = actions.create_client(
            by=user, therapist=user.therapist, full_name=name
        )

    def intake(
        self,
        document: dict[str, Any],
        *,
        rmdq: int | None = None,
        odi: str | int | None = None,
        peg: str | int | None = None,
    ) -> CourseOf:
        actions.record_intake(
            by=self.user,
            client=self.client,
            intake=parse_intake(document),
            baseline_rmdq=rmdq,
            baseline_odi=_decimal(odi),
            baseline_peg=_decimal(peg),
        )
        return self

    def session(
        self,
        when: str,
        *,
        sign: bool = False,
        amend: dict[str, Any] | None = None,
        reason: str = "",
        **values: Any,
    ) -> CourseOf:
        """A session on `when` (YYYY-MM-DD) with `SESSION_VALUES` and `values`; signed first
        if `sign`, then amended with `amend` for `reason` if given."""
        if "side_effect_hours" in values:
            values["side_effect_hours"] = _decimal(values["side_effect_hours"])
        session = actions.record_session(
            override=AFTER_THE_FACT,
            by=self.user,
            client=self.client,
            when=dt.date.fromisoformat(when),
            values=SESSION_VALUES | values,
        )
        if sign:
            actions.sign_session(by=self.user, session=session)
        if amend is not None:
            actions.amend_session(by=self.user, session=session, changes=amend, reason=reason)
        return self

    def checkin(
        self,
        when: str,
        *,
        pain: int,
        rmdq: int | None = None,
        odi: str | int | None = None,
        peg: str | int | None = None,
        side_effects: tuple[str, ...] = (),
        red_flags: tuple[str, ...] = (),
    ) -> CourseOf:
        """A check-in the therapist records on `when` (YYYY-MM-DD)."""
        actions.record_checkin(
            by=self.user,
            client=self.client,
            when=dt.date.fromisoformat(when),
            pain=pain,
            rmdq=rmdq,
            odi=_decimal(odi),
            peg=_decimal(peg),
            side_effects=side_effects,
            red_flags=red_flags,
            source="therapist",
        )
        return self
