"""Each domain rule of DESIGN.md that the domain core enforces has a test that tries to break it."""

import re
from pathlib import Path

REQUIRED = [f"R{n}" for n in range(1, 14)] + ["R15"]


def test_every_rule_has_a_marked_test():
    marked = set()
    for path in Path(__file__).parent.rglob("test_*.py"):
        marked.update(re.findall(r'mark\.rule\("(R\d+)"\)', path.read_text(encoding="utf-8")))
    missing = [rule for rule in REQUIRED if rule not in marked]
    assert not missing, f"rules without a test that tries to break them: {missing}"
