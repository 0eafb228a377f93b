"""Follow-up questions: whether a message leans on the conversation, and how the earlier questions join it.

"وليش؟" or "ومين رد عليه؟" means nothing alone. Searched together with the question before it, the
answer is found (benchmarks/followups.py measures how often): the earlier questions are embedded with
the follow-up, and their terms join its BM25 query at a lower weight, so the follow-up's own words
decide which fact of the earlier topic is asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..arabic.analyzer import ARABIC_STOPWORDS, Analyzer
from ..arabic.normalize import normalize, words
from .query import understand

# The earlier questions read with a follow-up, newest last: older ones have usually changed topic.
EARLIER_TURNS = 3
# Weight of the earlier questions' own terms in the BM25 query (the follow-up's weigh 1).
EARLIER_TERM_WEIGHT = 0.3
# A follow-up names at most this many things of its own ("وكوشنر ايش يقرب للرئيس؟" names three).
MAX_OWN_TERMS = 3

# Words a follow-up opens with: "and", "so", "well", "ok", in MSA, dialects, English and Arabizi.
_OPENERS = frozenset(normalize("طيب طب طيبب اوكي اوك بس يعني طيب طيب and so ok okay but w wa tab tayeb").split())
# Question words and particles that, after a joined و or ف, show the message goes on from the last one.
_QUESTION_WORDS = ARABIC_STOPWORDS | frozenset(normalize(
    """
    شنو شكون علاش فاش كيفاش واش فين وقتاش اشحال قداش منين ليه مين امتى امتي ايمتى ليش شو ايش وش
    قديش اديش كم قد بكم بكام لمين لمن عند علام بماذا لماذا مماذا شلون منو وين لوين بخصوص بالنسبه
    """).split())
# Words that ask: without one (or a question mark) a short message is chatter ("تمام", "thanks"), not a question.
_ASKING = frozenset(normalize(
    """
    ما ماذا لماذا متى اين كيف كم هل اي ايه ايش شو وين فين امتى امتي ايمتى ليش ليه ازاي مين منو شنو قديش اديش
    شلون وش علاش فاش كيفاش واش وقتاش شكون منين لمين علام بماذا لمن بكم بكام what when where why who whom how
    which whose
    """).split())
# Pointing back: demonstratives, and "this" fused as هال in Levantine and Gulf speech.
_DEMONSTRATIVES = frozenset(normalize(
    "هذا هذه هذي ذلك تلك ذاك هاد هادا هادي هاي هيدا هيدي هيك كده كدا دي ده دا دول هدول هذول هؤلاء اولئك"
).split())
# English words that point back ("how old is he?"); an English question without one names its own subject.
_ENGLISH_POINTERS = frozenset("he she it they him her them his hers its their theirs this that these those there".split())
# Attached pronouns ("وصفها", "منصبه", "عليهم") written as typed: a final ه but not ة.
_PRONOUN_SUFFIXES = ("ها", "هم", "هما", "هن", "ه")


def earlier_questions(context: Sequence[str]) -> str:
    """The conversation's last few earlier questions, oldest first, as one text ("" when none)."""
    kept = [q.strip() for q in context if q and q.strip()]
    return " ".join(kept[-EARLIER_TURNS:])


def with_earlier(question: str, earlier: str) -> str:
    """The text embedded for a follow-up: the earlier questions, then the follow-up."""
    return f"{earlier} {question}" if earlier else question


def looks_like_followup(question: str, known_terms: Collection[str] = (), analyzer: Analyzer | None = None) -> bool:
    """Whether `question` only makes sense after the one before it.

    It does when it names nothing of its own ("وليش؟", "وإمتى؟"), or when it opens with و/ف/طيب/and or
    points back with a pronoun or demonstrative and names at most `MAX_OWN_TERMS` things; or when it is
    at most four words of which none is a term of the index (`known_terms`, the BM25 vocabulary).
    A question that names its own subject ("وكم مساحة أوكرانيا اللي تسيطر عليها روسيا؟") stands alone; so
    does an English one that neither opens with a connective nor points back ("how old is Ryabkov?"), whose
    words are never terms of the Arabic index.
    """
    analyzer = analyzer or Analyzer()
    typed = words(question)
    if not typed:
        return False
    plain = [normalize(w) for w in typed]
    opens = plain[0] in _OPENERS or _joined_connective(plain[0])
    own = own_terms(question, analyzer)
    asks = any(ch in question for ch in "?؟") or any(w in _ASKING or w[1:] in _ASKING for w in plain)
    if not asks and not (opens and own):
        return False
    if not own:
        return True
    english = understand(question).cross_lingual
    if (opens or points_back(question)) and len(own) <= MAX_OWN_TERMS:
        return True
    return not english and len(typed) <= 4 and len(own) <= 2 and not any(t in known_terms for t in own)


def points_back(question: str) -> bool:
    """Whether the message points back to something said before: a demonstrative, "this" fused as هال, an attached
    pronoun ("منصبه", "عليها"), or in English he/she/it/they/this…"""
    typed = words(question)
    if any(normalize(w) in _DEMONSTRATIVES or (normalize(w).startswith("هال") and len(w) > 4) for w in typed):
        return True
    if any(len(w) > 3 and w.endswith(_PRONOUN_SUFFIXES) for w in typed):
        return True
    return understand(question).cross_lingual and any(w.lower() in _ENGLISH_POINTERS for w in typed)


def own_terms(question: str, analyzer: Analyzer) -> list[str]:
    """The things a message names of its own: its BM25 terms without an opening connective ("طيب", "و"), question
    words and "this" words."""
    typed = words(question)
    if not typed:
        return []
    first = normalize(typed[0])
    opens = first in _OPENERS or _joined_connective(first)
    rest = typed[1:] if opens and (first in _OPENERS or len(first) <= 2) else typed
    if opens and rest is typed:  # "وليش": the connective is part of the first word
        rest = [typed[0][1:], *typed[1:]]
    return [t for t in analyzer(" ".join(rest)) if not _refers_or_asks(t)]


def _refers_or_asks(term: str) -> bool:
    """A question word, one with a joined و/ف/ب/ل ("وشو", "بشو"), or "this" fused as هال: not a thing named."""
    return term in _QUESTION_WORDS or (term[0] in "وفبل" and term[1:] in _QUESTION_WORDS) or term.startswith("هال")


def _joined_connective(word: str) -> bool:
    """`word` (normalized) is و or ف joined to a question word, an article or a word: "وليش", "والجولة"."""
    if len(word) < 3 or word[0] not in "وف":
        return False
    rest = word[1:]
    return rest in _QUESTION_WORDS or rest.startswith("ال") or rest[0] in "وفبل" or (word not in _NATURAL and len(rest) >= 3)


# Common words whose first letter is a real و or ف, not a joined "and"/"so".
_NATURAL = frozenset(normalize(
    "وين وش وقت وزير وزيرة وزراء وزارة واشنطن وكالة وفد وضع وصف وصل وقع وجود ولاية فرنسا فلاديمير فيدور فنلندا "
    "فبراير فريق فترة فرص فرصة فعلا فيه فيها فين فوق فقط فكرة"
).split())
