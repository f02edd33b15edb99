"""The therapist's "version for the client" explains the assessment in the lay answer's words
(issue 11): sources as numbered footnotes with the source's name, never a raw citation key such
as [cherkin2011; furlan2015], and no padded table for a pregnant client."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from backcare.clinic.models import Client
from backcare.core.rules.tables import load_tables
from backcare.core.wording import SOURCE_NAME
from support.world import INTAKE, World, add_client, browser_for

PREGNANT = {**INTAKE, "sex": "female", "pregnancy": {"pregnant": True, "weeks": 26}}
# A warning sign that means no massage now (a referral): the explainer keeps to the signs.
NO_MASSAGE = {**INTAKE, "red_flags": {"unexplained_weight_loss": True}, "age": 58}


def version(world: World, client: Client, audience: str = "client") -> str:
    entry = client.current_intake
    assert entry is not None
    url = reverse("intake_detail", args=[client.pk, entry.pk]) + f"?for={audience}"
    response = browser_for(world.therapist).get(url)
    assert response.status_code == 200
    return response.content.decode().split('<main id="main">')[1].split("</main>")[0]


def explainer(world: World, client: Client) -> str:
    found = re.search(
        r'<section class="explainer".*?</section>\s*</section>', version(world, client), re.S
    )
    assert found, "no explainer on the client's version"
    return found.group(0)


def text_of(part: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", part).split()))


def test_sources_are_numbered_footnotes_with_the_sources_names(world: World) -> None:
    part = explainer(world, world.client)
    text = text_of(part)
    assert not re.search(r"\[[^\]]*\]", text), "a citation in brackets"
    for sid in load_tables().sources:
        assert not re.search(rf"[\[>;] ?{re.escape(sid)}[\];<]", part), sid
    links = re.findall(r'<a href="#note-(\d+)" aria-label="Source \1: ([^"]+)">\1</a>', part)
    listed = dict(re.findall(r'<li id="note-(\d+)" value="\1"><strong>([^<]+)</strong>', part))
    assert links and listed
    for n, name in links:
        assert html.unescape(listed[n]) == html.unescape(name)
    assert SOURCE_NAME["cherkin2011"] in listed.values()
    assert "What to ask for" in text and "Say at once if anything hurts" in text


def test_a_pregnant_client_lies_on_her_side_not_on_a_padded_table(world: World) -> None:
    pregnant = add_client(world.therapist, "Pia Pregnant", PREGNANT)
    text = text_of(explainer(world, pregnant))
    assert "You lie on your side, supported by pillows" in text
    assert "padded table" not in text
    assert "Check with your midwife or doctor" in text
    assert "padded table" in text_of(explainer(world, world.client))


def test_with_no_massage_now_only_the_warning_signs_are_explained(world: World) -> None:
    client = add_client(world.therapist, "Walt Weight", NO_MASSAGE)
    assert client.current_intake is not None
    assert client.current_intake.assessment["disposition"] not in (
        "proceed",
        "proceed_with_precautions",
    )
    part = explainer(world, client)
    text = text_of(part)
    assert "When to get help at once" in text and "What to ask for" not in text
    # The footnotes are the signs' own, numbered from 1 without gaps.
    numbers = re.findall(r'<li id="note-(\d+)"', part)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and numbers


def test_no_raw_citation_key_anywhere_on_the_clients_version(world: World) -> None:
    pregnant = add_client(world.therapist, "Pia Pregnant", PREGNANT)
    no_massage = add_client(world.therapist, "Walt Weight", NO_MASSAGE)
    keys = [*load_tables().sources, "policy"]
    for client in (world.client, pregnant, no_massage):
        page = version(world, client)
        assert not re.search(r"\[[^\]]*\]", text_of(page)), client.full_name
        for sid in keys:
            assert not re.search(rf"[\[>;] ?{re.escape(sid)}[\];<]", page), (client.full_name, sid)
    # The therapist's version keeps its rule ids and citation keys.
    assert re.search(r"\[[A-Z]+-[A-Z-]+; cherkin2011", version(world, world.client, "therapist"))
