"""Every code a person may see has its words in core/wording.py."""

from __future__ import annotations

import re
from pathlib import Path

from backcare.core import wording
from backcare.core.rules.tables import load_tables
from backcare.core.vocabulary import NEXT_STEP_SEVERITY

SRC = Path(__file__).resolve().parents[2] / "src" / "backcare"


def test_every_audited_change_has_words() -> None:
    written = set()
    for path in SRC.rglob("*.py"):
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert written, "the scan found no audit actions: the pattern is wrong"
    assert {code for code in written if wording.audit_action(code) == code} == set()


def test_reads_are_worded_from_their_kind() -> None:
    assert wording.audit_action("view.progress") == "Viewed: progress"
    assert wording.audit_action("export.api.outcomes_csv") == "Downloaded: API outcomes csv"
    assert wording.audit_action("session.void") == wording.AUDIT_ACTION["session.void"]


def test_every_alert_next_step_and_status_has_words() -> None:
    assert {r.id for r in load_tables().alerts} == set(wording.ALERT_NAME)
    assert set(NEXT_STEP_SEVERITY) == set(wording.NEXT_STEP)
    assert set(load_tables().dispositions) == set(wording.DISPOSITION)
    for meaning in load_tables().dispositions.values():
        assert meaning["therapist_headline"] and meaning["therapist_text"]
