"""What kind of answer a question asks for, and whether a unit is of that kind.

A question for a quantity or a time ("how long", "how much", "when is") is answered by a unit
that holds a number; one for a procedure ("how do I", "how to") by numbered steps. Classic
question answering calls this the expected answer type; here it is two features beside the
reranker's score (``answers.evidence``), and two rules of ``answers.decision``: steps for a
procedure question (``procedure_of``), a unit with a number for a quantity question
(``quantity_of``).
"""

from __future__ import annotations

import re

QUANTITY = re.compile(
    r"\bhow (?:long|many|much|often|far|big|soon|old|fast|accurate|large|small|heavy|high|"
    r"low|warm|cold|hot)\b|^\W*when\b|\bwhen (?:is|are|was|were|do|does|did|will|can|should)\b|"
    r"\bwhat (?:year|time|date|day|age|percentage)\b|\b(?:price|cost|fee|rate)\b",
    re.IGNORECASE,
)
PROCEDURE = re.compile(
    r"\bhow (?:do|can|should|would|could) (?:i|we|you|one|they)\b|\bhow to\b|\bsteps? to\b|"
    r"\bwhat (?:do|should) (?:i|we) do\b",
    re.IGNORECASE,
)
NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|once|twice|half|dozen)\b",
    re.IGNORECASE,
)


def number_fit(question: str, quote: str) -> float:
    """1 when the question asks for a quantity or a time and the unit holds a number, -1 when it
    asks for one and the unit holds none, 0 when it asks for neither."""
    if not QUANTITY.search(question):
        return 0.0
    return 1.0 if NUMBER.search(quote) else -1.0


def steps_fit(question: str, kind: str) -> float:
    """1 when the question asks how to do something and the unit is a numbered procedure."""
    return 1.0 if kind == "steps" and PROCEDURE.search(question) else 0.0
