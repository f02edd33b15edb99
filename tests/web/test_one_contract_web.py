"""The web intake form asks for every field of the contract (tests/core/test_one_contract.py
has the contract's paths), so a field added to the models and not to the form fails here."""

from __future__ import annotations

from backcare.clinic.forms import ClearanceForm, IntakeForm
from core.test_one_contract import leaf_paths

# Where the form's field name is not the path with its dots as underscores: one field for a
# group of booleans, and the pregnancy question itself.
GROUPED = {"red_flags": "red_flags"}
RENAMED = {"pregnancy.pregnant": "pregnant"}


def form_field_for(path: str) -> str:
    group = path.split(".")[0]
    if group in GROUPED:
        return GROUPED[group]
    return RENAMED.get(path, path.replace(".", "_"))


def test_the_intake_form_has_a_field_for_every_contract_path() -> None:
    fields = set(IntakeForm().fields)
    missing = {
        path
        for path in leaf_paths() - {"clearances", "startback"}
        if form_field_for(path) not in fields
    }
    assert missing == set()
    assert {f"startback_{i}" for i in range(1, 10)} <= fields  # the nine STarT Back answers
    assert {"rule", "date", "by", "note"} <= set(ClearanceForm(firing=[]).fields)
