"""What the self-check, the learn page and the client's answer page say, statement by statement,
each with its sources.

Written in the project and reviewed against ../shared/spec/sources.md: every statement carries
the ids of the sources that support it (a test checks each id exists). Claims are kept no
stronger than the evidence: massage gives short-term relief for some people, the evidence is of
low quality, and it works best alongside exercise.
"""

from __future__ import annotations

from typing import TypedDict


class Statement(TypedDict):
    text: str
    sources: list[str]


def s(text: str, *sources: str) -> Statement:
    return {"text": text, "sources": list(sources)}


EVIDENCE: list[Statement] = [
    s(
        "Massage can ease back pain for a while. Trials show relief mostly in the short term, "
        "and the quality of the evidence is low, so it may not work for everyone.",
        "furlan2015",
        "cherkin2011",
    ),
    s(
        "Massage is not a cure. It works best as part of a plan that includes exercise and "
        "staying active.",
        "nice-ng59",
        "acp2017",
    ),
]

SESSION: list[Statement] = [
    s(
        "A session usually lasts about an hour. You lie on a padded table and stay covered "
        "except where the therapist is working. The therapist may ask you to move or stretch.",
        "cherkin2011",
    ),
    s(
        "Say at once if anything hurts or feels wrong: the therapist can change the pressure or "
        "stop. You are in charge of how much pressure is used.",
        "policy",
    ),
]

# Said instead of SESSION during pregnancy: never "you lie on a padded table" right after the
# advice to lie on your side (issue 11).
SESSION_PREGNANT: list[Statement] = [
    s(
        "A session usually lasts about an hour. You lie on your side, supported by pillows, and "
        "stay covered except where the therapist is working.",
        "cherkin2011",
        "nccih-massage",
    ),
    SESSION[1],
]

# For a pregnant person only. No source in the spec's list sets the antenatal warning signs, so
# they are backcare's own advice (policy), kept to the signs every maternity service gives.
PREGNANCY: list[Statement] = [
    s(
        "Check with your midwife or doctor before you book, and tell the therapist how many "
        "weeks pregnant you are.",
        "nccih-massage",
        "policy",
    ),
    s(
        "Call your midwife or maternity unit at once for bleeding from the vagina, fluid "
        "leaking, a severe headache or blurred vision, sudden swelling of the face, hands or "
        "feet, tummy pain that does not go away, or your baby moving less than usual.",
        "policy",
    ),
]

AFTER_EFFECTS_NORMAL: list[Statement] = [
    s(
        "Mild soreness or stiffness is common. It usually starts within 12 hours and is gone "
        "within a day and a half.",
        "cambron2007",
    ),
    s("A small bruise sometimes happens, more often with firm pressure.", "cambron2007", "yin2014"),
]

AFTER_EFFECTS_STOP: list[Statement] = [
    s(
        "Stop and call a doctor for numbness or weakness in a leg, a fever, or pain that is much "
        "worse. Tell the therapist about soreness lasting more than two days, dizziness that "
        "comes back, a rash, or bruising if you take blood thinners.",
        "ernst2003",
        "yin2014",
        "nccih-massage",
    ),
]

OTHER_CARE: list[Statement] = [
    s(
        "Keep moving: exercise such as walking, stretching, yoga or pilates helps back pain "
        "and makes massage more useful.",
        "nice-ng59",
        "acp2017",
    ),
    s(
        "Massage can be combined with physiotherapy or chiropractic care, and with heat in "
        "the first weeks of an episode.",
        "acp2017",
        "kngf2021",
    ),
    s(
        "If you take medicines, tell whoever prescribes them that you are having massage, and "
        "tell the therapist about your medicines.",
        "policy",
        "nccih-massage",
    ),
]

HOW_LONG: list[Statement] = [
    s(
        "Give it time: in the trials that helped, people had about ten weekly sessions. Judge "
        "after about five whether it is helping you.",
        "cherkin2011",
        "elder2017",
        "policy",
    ),
]

WARNING_SIGNS: list[Statement] = [
    s(
        "Call your emergency number or go to an emergency department at once for: numbness "
        "around the back passage or genitals, new trouble passing or holding urine, new loss of "
        "bowel control, leg weakness that is getting worse, chest pain, or a painful swollen calf.",
        "bmj-ces",
        "finucane2020",
        "nice-ng158",
    ),
    s(
        "See a doctor soon, before massage, for back pain with a fever, weight loss you cannot "
        "explain, a history of cancer, a serious fall or accident, or pain at night that rest "
        "does not ease.",
        "finucane2020",
        "downie2013",
    ),
]

TECHNIQUES: dict[str, dict[str, list[Statement]]] = {
    "swedish": {
        "what": [s("Long, gliding strokes with gentle to moderate pressure.", "cherkin2011")],
        "suits": [
            s(
                "A good start for most people, including when pain is new, when only light "
                "pressure is safe, or when muscles are tense.",
                "cherkin2011",
                "furlan2015",
            )
        ],
        "avoid": [s("Rarely needs to be avoided once massage is safe at all.", "policy")],
    },
    "deep_tissue": {
        "what": [s("Slow, firm pressure into deeper layers of muscle.", "cherkin2011")],
        "suits": [
            s(
                "Long-lasting (chronic) back pain and strains past their first weeks.",
                "cherkin2011",
                "werner1998",
            )
        ],
        "avoid": [
            s(
                "Not with blood thinners, fragile bones, severe pain, pregnancy, recent injury "
                "or nerve pain down a leg: these call for lighter pressure.",
                "nccih-massage",
                "werner1998",
            )
        ],
    },
    "trigger_point": {
        "what": [s("Steady pressure on tight knots that send pain elsewhere.", "furlan2015")],
        "suits": [s("Knots (trigger points) found in the back muscles.", "furlan2015")],
        "avoid": [
            s(
                "Needs at least medium pressure, so not when only light pressure is safe (for "
                "example with blood thinners or fragile bones).",
                "nccih-massage",
                "werner1998",
            )
        ],
    },
    "myofascial_release": {
        "what": [
            s("Slow, sustained stretching of the tissue around the muscles (fascia).", "furlan2015")
        ],
        "suits": [s("Stiffness and a feeling of restriction.", "furlan2015")],
        "avoid": [
            s("Not in the first days after a fresh strain or sprain.", "werner1998", "policy")
        ],
    },
}

FAQ: list[tuple[str, list[Statement]]] = [
    ("Will massage cure my back?", [EVIDENCE[1]]),
    ("What happens in a session?", SESSION),
    ("How soon will I feel better?", [EVIDENCE[0], HOW_LONG[0]]),
    ("Can I combine it with other treatment?", OTHER_CARE),
    ("Are there side effects?", AFTER_EFFECTS_NORMAL + AFTER_EFFECTS_STOP),
]

HOW_IT_MAY_HELP: list[Statement] = [
    s(
        "Muscle tension: massage relaxes tight, guarded muscles, which can ease pain for a while.",
        "cherkin2011",
        "furlan2015",
    ),
    s(
        "Relaxation: many people feel calmer and sleep better after massage; feeling better in "
        "general can make pain easier to live with.",
        "cherkin2011",
    ),
    s(
        "Pain relief: in trials, massage eased back pain and helped people do more, mostly in "
        "the short term. The evidence is of low quality.",
        "furlan2015",
        "cherkin2011",
    ),
    s(
        "Circulation: massage is often said to improve blood flow, but there is little good "
        "evidence that this is how it helps back pain, so backcare does not rely on it.",
        "furlan2015",
    ),
]


def all_statements() -> list[Statement]:
    out = (
        EVIDENCE
        + SESSION
        + SESSION_PREGNANT
        + PREGNANCY
        + AFTER_EFFECTS_NORMAL
        + AFTER_EFFECTS_STOP
        + OTHER_CARE
    )
    out += HOW_LONG + WARNING_SIGNS + HOW_IT_MAY_HELP
    for parts in TECHNIQUES.values():
        for statements in parts.values():
            out += statements
    for _, statements in FAQ:
        out += statements
    return out
