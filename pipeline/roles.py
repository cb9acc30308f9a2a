"""Role of an amount of money (SPEC §2 monetary.role) as candidates with evidence and one decider.

Candidates, from closest to the amount outward: a signed deal (kinds.signed: `signed 30
projects with a total investment of` is contract_value), the noun phrase the amount is the
value of (`a total investment of`, `1 trillion yuan in GDP`, `2-trillion-yuan GDP`, `goods
worth`), the subject of its clause (`The gross regional product … reached 82 billion yuan`;
people's money is income), its verb (`invest`, `allocate`), the nearest role word of its
clause (quantities._role_near), the role of the money in the sentences just before, and the
article's most frequent role. The decider takes the first that names a role. The lexicon is
rules/quantities/money_roles.yaml; every role in it is checked against SPEC §2 at load.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Token

from . import kinds as K
from . import lexicons as L
from . import targets as T
from .rules import alternation

@dataclass(frozen=True)
class Role:
    role: str
    evidence: str


@lru_cache(maxsize=1)
def lexicon() -> dict:
    r = L.money_roles()
    role_of = {p.lower(): role for role, phrases in r.roles.items() for p in phrases}
    return {
        "role_of": role_of,
        "role_re": re.compile(rf"(?<![\w-])({alternation(role_of)})(?:s)?(?![\w-])", re.IGNORECASE),
        "verb_roles": dict(r.verb_roles),
        "people": frozenset(r.people_subjects),
        "context": r.context_sentences,
        "generic": frozenset(r.generic_heads),
        "in_place": re.compile(r.in_place, re.I),
    }


def role_in(words: str) -> tuple[str, str] | None:
    """(role, phrase) of the role phrase that ends last in `words` (a phrase's head comes last:
    `fixed asset investment`, `the region's revenue`), the longest at equal end."""
    lx = lexicon()
    found = [(m.end(), len(m.group(1)), m.group(1)) for m in lx["role_re"].finditer(words)]
    if not found:
        return None
    _, _, phrase = max(found)
    return lx["role_of"][phrase.lower()], phrase


def _head_words(noun: Token) -> str:
    """A noun with the words before it in its phrase (`the region's revenue`, not `… in the budget`)."""
    return " ".join(t.text for t in noun.subtree if noun.left_edge.i <= t.i <= noun.i
                    and t.dep_ not in ("det", "nummod", "quantmod", "punct"))


def _noun_role(noun: Token | None, people: bool = False) -> tuple[str, str] | None:
    """The role a noun phrase names: by its head words first (people's money is income, when
    `people`), then by its complements."""
    if noun is None or noun.pos_ not in T.NOUNS:
        return None
    if noun.lower_ in lexicon()["generic"]:
        for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("on", "of", "for")):
            obj = next((o for o in prep.children if o.dep_ == "pobj"), None)
            found = role_in(T.phrase_text(obj)) if obj is not None else None
            if found:
                return found
    found = role_in(_head_words(noun))
    if found is None and people and noun.lemma_.lower() in lexicon()["people"]:
        found = ("income", noun.lemma_.lower())
    return found or role_in(T.phrase_text(noun))


def _verb_role(anchor: Token) -> Role | None:
    """`invest 3 billion yuan`, `goods worth 19.28 billion yuan were exported`: a verb of a
    role whose object or passive subject holds the amount."""
    v = T.governing_verb(anchor)
    role = lexicon()["verb_roles"].get(v.lemma_.lower())
    if role is None:
        return None
    holder = next((c for c in v.children if c.dep_ in ("dobj", "nsubjpass") and anchor in c.subtree), None)
    if holder is None:
        return None
    return Role(role, f"verb:{v.lemma_.lower()}")


def owner(anchor: Token) -> Token | None:
    """The noun the amount is the value of: `a total investment of X`, `X in GDP` (its own
    complement), `2-trillion-yuan GDP`, `goods worth X`."""
    t = anchor
    if t.dep_ == "pobj" and t.head.lower_ in ("of", "at") and t.head.head.pos_ in T.NOUNS:
        return t.head.head
    for prep in (c for c in t.children if c.dep_ == "prep" and c.lower_ in ("in", "of")):
        obj = next((o for o in prep.children if o.dep_ == "pobj"), None)
        if obj is not None and _noun_role(obj):
            return obj
    if t.dep_ in ("compound", "amod", "nmod", "nummod") and t.head.pos_ in T.NOUNS and t.head.i > t.i:
        return t.head
    if t.dep_ in ("pobj", "dobj", "npadvmod") and t.head.lower_ in ("worth", "valued", "totaling", "totalling"):
        noun = t.head.head if t.head.dep_ != "prep" else t.head.head.head
        return noun if noun.pos_ in T.NOUNS else None
    return None


def candidates(anchor: Token) -> list[Role]:
    """The readings of the amount's role that its sentence supports, closest first."""
    out: list[Role] = []
    verb = K.signed(anchor)
    if verb:
        out.append(Role("contract_value", f"signed:{verb}"))
    after = anchor.doc.text[anchor.idx + len(anchor.text):anchor.sent.end_char]
    if lexicon()["in_place"].match(after):
        out.append(Role("investment", "in_place"))
    by_verb = _verb_role(anchor)
    if by_verb is not None and (anchor.dep_ == "dobj" or anchor.head.lower_ == "worth"):
        out.append(by_verb)   # the verb says what the money is; `of funds`, `goods worth` what it buys
    found = _noun_role(owner(anchor))
    if found:
        out.append(Role(found[0], f"own_phrase:{found[1]}"))
    subject = T.chain_subject(T.verb_chain(anchor))
    if subject is not None and subject.i != anchor.i:
        found = _noun_role(subject, people=True)
        if found:
            out.append(Role(found[0], f"subject:{found[1]}"))
    if by_verb is not None:
        out.append(by_verb)
    return out


def decide(parsed: list[Role], clause: tuple[str | None, str | None], context: list[str],
           article: Counter) -> Role:
    """The first reading that names a role: the parse's, the clause's nearest role word, the
    money just before, the article's most frequent role; else `other`."""
    if parsed:
        return parsed[0]
    if clause[0]:
        return Role(clause[0], f"clause:{clause[1]}")
    if context:
        return Role(context[-1], "previous")
    if article:
        return Role(article.most_common(1)[0][0], "article")
    return Role("other", "none")
