"""Seeded synthetic intakes for benchmarks, as JSON Lines (the generator is
`backcare.examples.synthetic`, which `backcare manage seed_clinic` uses too):

    python benchmarks/synthetic.py N SEED > intakes.jsonl

The generator imports nothing of backcare, so the documents are written against the contract
(contracts-v1.md, section 1), not against the implementation.
"""

from __future__ import annotations

import json
import sys

# assess_batch.py and tests/core/test_accelerator.py take synthetic_intakes from here.
from backcare.examples.synthetic import CASELOADS, synthetic_intakes


def main() -> None:
    if not 2 <= len(sys.argv) <= 4 or (len(sys.argv) == 4 and sys.argv[3] not in CASELOADS):
        sys.exit(
            "usage: python benchmarks/synthetic.py N [SEED [synthetic|varied]] > intakes.jsonl"
        )
    n = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) >= 3 else 1
    caseload = sys.argv[3] if len(sys.argv) == 4 else "synthetic"
    write = sys.stdout.write
    for doc in synthetic_intakes(n, seed, caseload):
        write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
