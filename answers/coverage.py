"""How much of a question the retrieved chunks speak of at all.

A near miss ("do you ship to Brazil?", "is there an Apple Watch app?") retrieves the right
topic, so its best passage reads well to the reranker, but a word that carries the question
("brazil", "watch") is in none of the chunks. The share of the question's content words that
some retrieved chunk holds is a question-level feature the confidence is calibrated on beside
the best unit's score (``answers.decision``, ``training/fit_answerability.py``). A word counts
as held when a chunk has it, a longer or shorter form of it ("temp" and "temperature", "broke"
and "broken"), or its two halves ("wifi" and "Wi-Fi").
"""

from __future__ import annotations

from collections.abc import Collection

from casebook.sentences import terms

# Words a question uses to ask, not to say what about: missing them says nothing. The function
# words of the Glasgow stop list (the one scikit-learn ships) that casebook.sentences keeps, and
# the words answerable dev-set questions use most without their chunks holding them
# (in 4 or more questions: training/asking_words.py --min-sets 1 --min-questions 4 over 300
# questions each of doc2dial, CLAPNQ and MTRAG; the sample set, which judges this
# feature, was not looked at).
_GLASGOW = (
    "about above across after afterwards again against almost alone along already although "
    "always among amongst another anyhow anyone anything anyway anywhere around became because "
    "become becomes becoming before beforehand behind below beside besides between beyond both "
    "cannot done due during each either else elsewhere enough even ever every everyone "
    "everything everywhere except few former formerly further hence hereafter hereby herein "
    "hereupon hers herself him himself his however indeed itself last latter latterly least "
    "less many meanwhile moreover mostly much myself namely neither never nevertheless next "
    "nobody none noone nor nothing now nowhere often once onto other others otherwise ours "
    "ourselves perhaps per please rather seem seemed seeming seems several since somehow "
    "someone something sometime sometimes somewhere still thence thereafter thereby therefore "
    "therein thereupon though through throughout thru thus together toward towards under until "
    "upon via whatever whence whenever whereafter whereas whereby wherein whereupon wherever "
    "whether while whither whoever whole whose why within without yet yourself yourselves"
)
_DEV_SETS = (
    "yes hello happen think exactly heard know like oh ok right yeah great hi look mention "
    "thing way"
)
ASKING_WORDS = frozenset(terms(f"{_GLASGOW} {_DEV_SETS}"))
PREFIX = 4  # shortest common start for two forms of one word


def held(word: str, pool: Collection[str], by_prefix: dict[str, list[str]]) -> bool:
    """Whether the pool holds the word, another form of it, or its two halves."""
    if word in pool:
        return True
    if len(word) >= PREFIX and any(
        p.startswith(word) or (len(p) >= PREFIX and word.startswith(p))
        for p in by_prefix.get(word[:PREFIX], ())
    ):
        return True
    return any(word[:i] in pool and word[i:] in pool for i in range(2, len(word) - 1))


def content_words(question: str) -> list[str]:
    """The question's distinct content words, less the ones that only ask."""
    return [t for t in dict.fromkeys(terms(question)) if t not in ASKING_WORDS]


def missing_words(question: str, pool: Collection[str]) -> list[str]:
    """The question's content words that no retrieved chunk holds in any form."""
    by_prefix: dict[str, list[str]] = {}
    for p in pool:
        by_prefix.setdefault(p[:PREFIX], []).append(p)
    return [t for t in content_words(question) if not held(t, pool, by_prefix)]


def coverage(question: str, pool: Collection[str]) -> float:
    """The share of the question's content words the pool holds (1.0 when it has none)."""
    words = content_words(question)
    return 1.0 - len(missing_words(question, pool)) / len(words) if words else 1.0
