"""Targets: whether a figure states a goal, and what it measures (indicator, measure, frequency).

Functions over the spaCy parse of the figure's sentence, called from `link.run`. The
vocabularies are data in rules/link/targets.yaml and rules/link/indicators.yaml.
"""
from __future__ import annotations

import re
from functools import lru_cache
from spacy.tokens import Span, Token

from . import lexicons as L

VERBS = ("VERB", "AUX")
NOUNS = ("NOUN", "PROPN", "PRON")
SUBJECTS = ("nsubj", "nsubjpass", "csubj", "expl")
# Dependencies along which a clause shares its head's tense, mood and subject.
SHARING_DEPS = ("xcomp", "conj", "advcl", "acomp")
# Prepositions of an absolute clause (`…is expected to become a modern city, with forest coverage
# reaching 40 percent`), whose participle shares the tense and mood of the verb they hang from.
ABSOLUTE_PREPOSITIONS = ("with",)


def rules(name: str):
    """The lexicon `targets` or `indicators` as its typed shape (pipeline/lexicons.py, the one loader)."""
    return L.lexicon(name)


@lru_cache(maxsize=1)
def unit_words() -> frozenset[str]:
    """Words that are a figure's unit rather than what it counts (rules/link/targets.yaml)."""
    return frozenset(L.targets().unit_words)


@lru_cache(maxsize=1)
def tense_auxiliaries() -> frozenset[str]:
    """Auxiliaries of a verb's tense or voice, not of a goal (rules/link/targets.yaml)."""
    return frozenset(L.targets().tense_auxiliaries)


@lru_cache(maxsize=1)
def _cues() -> dict:
    r = L.targets()
    return {
        "future_aux": frozenset(w.lower() for w in r.future_aux),
        "cue_verbs": frozenset(r.cue_verbs),
        "object_cue_verbs": frozenset(r.object_cue_verbs),
        "cue_words": frozenset(r.cue_words),
        "subject_cue_modifiers": frozenset(r.subject_cue_modifiers),
        "cue_predicates": frozenset(r.cue_predicates),
        "commitment": [re.compile(r"\b" + re.escape(p) + r"\b", re.I) for p in r.commitment_nouns],
        "completion_verbs": frozenset(r.completion_verbs),
        "cue_verbs_read_as_nouns": frozenset(r.cue_verbs_read_as_nouns),
        "passive_cue_verbs": frozenset(r.passive_cue_verbs),
    }


@lru_cache(maxsize=1)
def _indicator_rules() -> dict:
    r = L.indicators()
    return {
        "indicators": [(name, re.compile(p, re.I)) for name, p in r.indicators],
        "money_indicators": [(name, re.compile(p, re.I)) for name, p in r.money_indicators],
        "verb_indicators": r.verb_indicators,
        "ratio_units": frozenset(r.ratio_units),
        "generic_heads": frozenset(r.generic_heads),
        "change_units": frozenset(r.change_units),
        "change_words": frozenset(r.change_words),
        "level_words": frozenset(r.level_words),
        "annual": [re.compile(p, re.I) for p in r.annual_phrases],
        "pass_through_heads": frozenset(r.pass_through_heads),
        "bare_growth": re.compile(r.bare_growth, re.I),
        "growth_verbs": frozenset(r.growth_verbs),
        "economy_growth_indicator": r.economy_growth_indicator,
    }


# ------------------------------------------------------------------ clause structure

def is_clause_verb(t: Token) -> bool:
    """A verb that heads a clause: not a verb used as a preposition (`including`, `following`)."""
    return t.pos_ in VERBS and t.dep_ not in ("prep", "amod")


def clause_path(token: Token, through_amount_participles: bool = False) -> list[Token]:
    """The token and its heads up to the first clause verb, or to the root when none is above it:
    the last is that verb (or the root). The one walk up to the clause verb.

    With `through_amount_participles`, participles that state a noun's amount (`an output value
    exceeding 3.5 billion yuan`) are passed through to the verb of the noun."""
    path = [token]
    while path[-1].head.i != path[-1].i:
        t = path[-1]
        if is_clause_verb(t) and not (through_amount_participles and t.dep_ == "acl"
                                      and t.lemma_.lower() in _amount_verbs()):
            break
        path.append(t.head)
    return path


def below_clause_verb(token: Token) -> list[Token]:
    """The tokens from the token up to its clause verb, the verb left out (the root kept when no verb is above)."""
    path = clause_path(token)
    return path if not is_clause_verb(path[-1]) else path[:-1]


def governing_verb(token: Token) -> Token:
    """The first clause verb above a token (the token itself when it is one); the root when there is
    none. Participles that state a noun's amount are passed through to the verb of the noun."""
    return clause_path(token, through_amount_participles=True)[-1]


@lru_cache(maxsize=1)
def _amount_verbs() -> frozenset[str]:
    return frozenset(L.targets().amount_verbs)


DASHES = ("--", "-", "—", "–", "---")


def own_subject(verb: Token) -> Token | None:
    """The verb's subject; a dateline the parser made the subject (`WUHAN -- Hubei province's GDP is
    expected to grow …`) gives way to the phrase after the dash, its apposition."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECTS]
    subject = subjects[0] if subjects else None
    if subject is not None and subject.text.isupper() and len(subject.text) > 1 \
            and any(c.text in DASHES for c in subject.children):
        after = [c for c in subjects[1:]] + [c for c in subject.children if c.dep_ == "appos" and c.i > subject.i]
        return min(after, key=lambda c: c.i) if after else subject
    return subject


def _has_tense(verb: Token, by_tag: bool = True) -> bool:
    """Whether a verb carries its own tense (a conjunct's tag is unreliable: `will focus …, start …`)."""
    return (by_tag and verb.tag_ in ("VBD", "VBZ", "VBP")) or any(
        c.dep_ in ("aux", "auxpass") and c.lower_ in tense_auxiliaries() for c in verb.children)


def verb_chain(token: Token) -> list[Token]:
    """The verbs a figure hangs from: its governing verb, then the verbs whose tense and subject
    it shares (`strive to maintain`, `focus on …, add 5,000 mu`, `achieve …, creating jobs`)."""
    chain = [governing_verb(token)]
    while True:
        v = chain[-1]
        if v.dep_ == "pcomp" and v.head.lower_ in ABSOLUTE_PREPOSITIONS and v.head.head.pos_ in VERBS \
                and not _has_tense(v):
            chain.append(v.head.head)   # `…, with forest coverage reaching 40 percent`: the clause's tense
            continue
        if v.dep_ == "pcomp" and v.head.lower_ == "to" and v.head.head.pos_ in VERBS + ("ADJ",) \
                and v.head.head.lower_ in _cues()["cue_predicates"]:
            chain.append(v.head.head)   # `is committed to achieving 6 percent growth`
            continue
        if _infinitive_clause(v) and v.head.pos_ in VERBS:
            chain.append(v.head)   # `Guangdong expects its economy to expand by 6 percent`
            continue
        if v.dep_ not in SHARING_DEPS or v.head.i == v.i or any(v.head.i == c.i for c in chain):
            break
        if v.dep_ in ("conj", "advcl") and (own_subject(v) is not None or _has_tense(v, v.dep_ != "conj")):
            break
        head = v.head
        if head.pos_ not in VERBS and head.pos_ != "ADJ":
            break
        chain.append(head)
    return chain


def _infinitive_clause(v: Token) -> bool:
    """An infinitive with its own subject, complement of a verb (`expects [its economy to expand]`)."""
    return v.dep_ == "ccomp" and not _has_tense(v) and any(c.dep_ == "aux" and c.lower_ == "to" for c in v.children)


def participle_subject(verb: Token) -> Token | None:
    """The noun a participle without a subject describes, which is what it says something of:
    `with Guizhou and Yunnan each expected to grow …` (`each` stands in apposition for the names)."""
    if verb.dep_ != "acl" or own_subject(verb) is not None or verb.head.pos_ not in NOUNS + ("DET",):
        return None
    noun = verb.head
    while noun.dep_ == "appos" and noun.pos_ in ("PRON", "DET") and noun.head.i != noun.i:
        noun = noun.head
    return noun


def chain_subject(chain: list[Token]) -> Token | None:
    """The subject of the first verb of the chain that has one (a participle's is the noun it describes)."""
    for v in chain:
        s = own_subject(v) or participle_subject(v)
        if s is not None:
            return s
    return None


# ------------------------------------------------------------------ kind

def forward_cue(anchor: Token, sentence: Span) -> str | None:
    """Why the figure at `anchor` is a goal or forecast (the cue word), or None when it is reported."""
    c = _cues()
    # Noun phrase cues on the way up to the verb: `planned total investment`, `a target of 7 percent`.
    path = clause_path(anchor)
    for t in path[:-1]:
        for w in [t] + [ch for ch in t.children if ch.dep_ in ("amod", "compound", "nsubj")]:
            if w.lower_ in c["cue_words"] and (w.pos_ != "VERB" or w.dep_ == "amod"):
                return w.lower_
    for t in path:
        if _cue_verb_read_as_noun(t):
            return t.lemma_.lower()
    chain = verb_chain(anchor)
    for v in chain:
        cue = _verb_cue(v)
        if cue:
            return cue
    subject = chain_subject(chain)
    if subject is not None and subject.lemma_.lower() in c["cue_words"]:
        return subject.lemma_.lower()
    if subject is not None:   # `Planned investment in key projects totals 800 billion yuan`
        modifier = next((ch.lower_ for ch in subject.children if ch.dep_ in ("amod", "compound")
                         and ch.lower_ in c["subject_cue_modifiers"]), None)
        if modifier:
            return modifier
    if _is_commitment(anchor, chain):
        return "commitment"
    return None


def _cue_verb_read_as_noun(t: Token) -> bool:
    """`Sichuan eyes 6 percent growth`, `Shaanxi province as a whole aims for GDP growth of 5.5
    percent`: a cue verb in the third person that the parser read as a plural noun, at the root of
    its sentence or with the goal as its `for` object."""
    if t.pos_ != "NOUN" or t.lemma_.lower() not in _cues()["cue_verbs_read_as_nouns"]:
        return False
    if any(c.dep_ == "nsubj" for c in t.children):
        return True   # `Shenzhen and Guangzhou aim for growth of 7 percent`: a noun has no subject
    return t.tag_ == "NNS" and (t.dep_ == "ROOT" or any(c.dep_ == "prep" and c.lower_ == "for" for c in t.children))


def lemma_in(t: Token, lemmas) -> str | None:
    """The word of `lemmas` a token is a form of: its lemma, else its own form less an inflection
    (the lemmatizer reads `hopes` as `hop`)."""
    lemma = t.lemma_.lower()
    if lemma in lemmas:
        return lemma
    word = t.lower_
    for suffix in ("es", "s", "ed", "d", "ing"):
        if word.endswith(suffix) and word[:-len(suffix)] in lemmas:
            return word[:-len(suffix)]
    return None


def _perfect_infinitive(v: Token) -> bool:
    """`is estimated to have grown 3.1 percent`, `is projected to have risen`: the cue verb's
    complement is a perfect infinitive, an estimate of what was, not a goal or forecast."""
    return any(ch.dep_ == "xcomp" and any(a.dep_ == "aux" and a.lower_ == "have" for a in ch.children)
               for ch in v.children)


def _verb_cue(v: Token) -> str | None:
    c = _cues()
    if _perfect_infinitive(v):
        return None
    for ch in v.children:
        if ch.dep_ in ("aux", "auxpass") and ch.lower_ in c["future_aux"]:
            return ch.lower_
    if v.tag_ == "MD" and v.lower_ in c["future_aux"]:
        return v.lower_  # the parser made the modal the head (`density ought to reach 507 km`)
    lemma = lemma_in(v, c["cue_verbs"]) or v.lemma_.lower()
    if v.pos_ == "VERB" and lemma in c["cue_verbs"] and (
            lemma in c["object_cue_verbs"] or any(ch.dep_ in ("xcomp", "auxpass") or _infinitive_clause(ch)
                                                  for ch in v.children)):
        return lemma
    passive = lemma_in(v, c["passive_cue_verbs"])
    if v.pos_ == "VERB" and passive and any(ch.dep_ == "auxpass" for ch in v.children):
        return passive   # `GDP is seen growing at 6 percent`, not `the city saw its GDP grow`
    if v.pos_ in ("ADJ", "VERB") and v.lower_ in c["cue_predicates"] and any(
            ch.dep_ == "xcomp" or (ch.dep_ == "prep" and ch.lower_ == "to" and any(g.dep_ == "pcomp" for g in ch.children))
            for ch in v.children):
        return v.lower_   # `is set to grow`, `is committed to achieving 6 percent growth`
    if v.lemma_.lower() == "go" and v.tag_ == "VBG" and any(ch.dep_ == "aux" for ch in v.children) \
            and any(ch.dep_ == "xcomp" and any(g.dep_ == "aux" and g.lower_ == "to" for g in ch.children)
                    for ch in v.children):
        return "going to"   # `China is going to cut its carbon intensity by 18 percent`
    has_to = any(ch.dep_ == "aux" and ch.lower_ == "to" for ch in v.children)
    # `has set its growth target at 5.5 percent`: the verb's object names the figure a goal
    if any(ch.dep_ == "dobj" and ch.lower_ in c["cue_words"] for ch in v.children):
        return v.lemma_.lower() + " target"
    if v.lemma_ == "be" and any(ch.dep_ == "xcomp" and any(g.lower_ == "to" for g in ch.children) for ch in v.children):
        return "be to"
    # `to`-infinitive not governed by a verb: headline `Chongqing to invest 3b yuan`,
    # `with 125 achievements to be realized`. Purpose clauses (`invested to help`) are advcl.
    if has_to and v.dep_ == "advcl" and _is_headline_subject(v.head):
        return "to"  # `Chongqing to invest 3b yuan`: the parser took the name for a verb
    if has_to and v.dep_ not in ("xcomp", "advcl", "ccomp") and (
            v.head.i == v.i or v.head.pos_ not in VERBS or v.dep_ == "conj"):
        return "to"
    return None


def _is_headline_subject(t: Token) -> bool:
    """The first word of a verbless headline (`Chongqing to invest …`) that the parser made its
    root verb: capitalised, no subject, auxiliary or tense of its own."""
    return (t.dep_ == "ROOT" and t.i == t.sent.start and t.text[:1].isupper() and own_subject(t) is None
            and t.tag_ not in ("VBD", "VBZ", "VBP", "VBN") and not any(c.dep_ in ("aux", "auxpass") for c in t.children))


def _is_commitment(anchor: Token, chain: list[Token]) -> bool:
    """`with a total investment of 141.62 billion RMB`: a project's total is its commitment,
    unless the clause reports the work done (`… have been implemented`)."""
    c = _cues()
    phrase = " ".join(t.text for t in _path_nouns(anchor) for t in _left_modifiers(t)) 
    if not any(p.search(phrase) for p in c["commitment"]):
        return False
    top = chain[-1]
    done = top.lemma_.lower() in c["completion_verbs"] and (
        top.tag_ in ("VBD", "VBN") or any(ch.lower_ in ("has", "have", "had", "been") for ch in top.children))
    return not done


def _path_nouns(anchor: Token) -> list[Token]:
    """The nouns from the figure up to its verb (`investment` in `a total investment of 5 billion yuan`)."""
    return [t for t in below_clause_verb(anchor) if t.pos_ in NOUNS or t.pos_ == "NUM"]


def _left_modifiers(noun: Token) -> list[Token]:
    # the tokens from the left edge to the noun, not the whole subtree: a child or grandchild of
    # the noun is in its subtree anyway, and a long list under it made the scan quadratic
    return [t for t in noun.doc[noun.left_edge.i:noun.i + 1]
            if t.i == noun.i or t.head.i == noun.i or t.head.head.i == noun.i]


# ------------------------------------------------------------------ indicator

def phrase_text(noun: Token, follow_generic: bool = True) -> str:
    """The words of a noun phrase that say what it is: its modifiers and `of`/`in` complements,
    not `with`/`for` qualifiers, relative clauses or brackets."""
    keep = {noun.i}
    stack = [noun]
    while stack:
        t = stack.pop()
        for ch in t.children:
            if ch.dep_ == "acl" and ch.i == t.i + 1 and not list(ch.children):
                keep.add(ch.i)   # a bare participle right after its noun is part of the name: `value added`
                continue
            if ch.dep_ in ("relcl", "acl", "appos", "punct", "det", "nummod", "quantmod", "advmod") or (
                    ch.dep_ == "cc" and t.i == noun.i):
                continue
            if ch.dep_ == "prep" and (ch.lower_ not in ("of", "in", "per") or (t.i == noun.i and not follow_generic)):
                continue
            if ch.dep_ == "conj" and t.i == noun.i:
                continue
            keep.add(ch.i)
            stack.append(ch)
    words = [noun.doc[i].text for i in sorted(keep)]
    text = " ".join(words)
    return re.sub(r"\([^)]*\)", " ", text)


def classify(text: str) -> str:
    """The SPEC §4 indicator a phrase names, `other` when none."""
    for name, pattern in _indicator_rules()["indicators"]:
        if pattern.search(text):
            return name
    return "other"


def classify_money(text: str) -> str:
    """The indicator a phrase names for an amount of money: words that are generic for
    physical figures count too (`100 billion yuan in output`, not `grain output of 41 million tonnes`)."""
    found = classify(text)
    if found != "other":
        return found
    return next((name for name, pattern in _indicator_rules()["money_indicators"] if pattern.search(text)), "other")


def indicator_head(anchor: Token, is_count: bool) -> Token | None:
    """The noun whose phrase names what the figure measures."""
    t = anchor
    for _ in range(2):
        for ch in t.children:  # `12 percent for primary industries` (not `8 percent for urban residents`)
            if ch.dep_ == "prep" and ch.lower_ == "for":
                obj = next((o for o in ch.children if o.dep_ == "pobj"), None)
                if obj is not None and obj.pos_ in NOUNS and classify(phrase_text(obj)) != "other":
                    return obj
        if t.dep_ in ("conj", "appos") and t.head.pos_ in NOUNS and t.head.lower_ == t.lower_:
            t = t.head  # `by 10 percent and 14 percent`: the list's first figure says what both measure
        else:
            break
    if t.dep_ == "dobj" and t.head.dep_ == "acl" and t.head.lemma_.lower() in _amount_verbs():
        # `a comprehensive output value in the … industry exceeding 3.5 billion yuan`: the amount
        # belongs to the object the prepositional phrase hangs from, when there is one
        noun = t.head.head
        if noun.dep_ == "pobj" and noun.head.head.pos_ in VERBS:
            obj = next((c for c in noun.head.head.children if c.dep_ == "dobj"), None)
            return obj if obj is not None else noun
        return noun
    if is_count:
        return anchor
    if t.pos_ in VERBS and t.lower_ in L.unwritten_units().multiple_verbs:
        return _verb_object(t, exclude=t)   # `plans to double its total foreign trade`
    if t.dep_ == "pobj" and (t.head.dep_ in ("prep", "agent", "conj") or (t.head.pos_ == "ADP" and t.head.dep_ == "pobj")):
        prep = t.head
        while prep.dep_ == "conj" and prep.head.dep_ == "prep":
            prep = prep.head  # `raise … to 750 billion yuan by 2020 and to over 1 trillion yuan`
        head = prep.head
        while head.pos_ == "ADP" and head.dep_ in ("prep", "pobj") and head.head.i != head.i:
            prep, head = head, head.head  # a qualifier read as a preposition: `a target of "above 6 percent"`
        if head.pos_ in NOUNS and head.lemma_.lower() in _indicator_rules()["pass_through_heads"] \
                and head.dep_ == "pobj" and head.head.head.pos_ in VERBS and classify(phrase_text(head)) == "other":
            # `raise its added value by an average of 7 percent`: the average is the figure's own
            prep, head = head.head, head.head.head
        if head.pos_ in NOUNS:
            return head
        if head.pos_ in VERBS:
            return _verb_object(head, exclude=prep)
    if t.dep_ in ("dobj", "attr", "oprd", "npadvmod", "nsubj", "nsubjpass", "appos") and t.head.pos_ in VERBS:
        v = t.head
        if t.dep_ in ("nsubj", "nsubjpass"):
            return t if t.pos_ in NOUNS and t.lower_ not in unit_words() else None
        return _verb_object(v, exclude=t)
    if t.dep_ in ("amod", "compound", "nmod") and any(c.dep_ == "cc" for c in t.children) \
            and t.head.i > t.i and t.head.dep_ == "pobj" and t.head.head.head.pos_ in VERBS:
        # `cut X by 2.2 percent and Y by 3 percent` read as `by [2.2 percent and Y]`: the figure is the verb's
        return _verb_object(t.head.head.head, exclude=t.head.head)
    if t.dep_ in ("amod", "compound", "nummod", "quantmod", "nmod") and t.head.pos_ in NOUNS:
        return t.head
    if t.dep_ == "npadvmod" and t.head.pos_ in ("ADV", "ADJ") and t.head.dep_ in ("advmod", "amod") \
            and t.head.head.pos_ in NOUNS:
        return t.head.head   # `energy consumption per unit of GDP down 2.5 percent`, `exports up 5 percent`
    return None


def _holds_figure(noun: Token) -> bool:
    """`by 2.2 percent and carbon dioxide emissions`: a noun the parser gave another figure as modifier."""
    return any(c.lower_ in unit_words() and any(g.like_num for g in c.children) for c in noun.children)


def _verb_object(v: Token, exclude: Token) -> Token | None:
    """What a verb's figure is about: its object (`increase revenue by 7 percent`), else the
    subject of its chain (`the rate will reach 90.5 percent`, `GDP is expected to reach …`)."""
    objects = [c for c in v.children if c.dep_ == "dobj" and (exclude is None or c.i != exclude.i)]
    before = next((c for c in objects if exclude is not None and c.i < exclude.i and c.lower_ not in unit_words()), None)
    if before is not None:  # `keep its R&D spending above 4 percent`, `increase revenue by 7 percent`
        # `increase X by 7 percent and its budget revenue by 4 percent`: the parser hangs the second
        # object on the first figure; the last such object before this figure is this figure's
        later = [w for w in v.subtree if w.pos_ in NOUNS and w.lower_ not in unit_words() and before.i < w.i < exclude.i
                 and ((w.dep_ == "conj" and w.head.lower_ in unit_words())
                      or (w.dep_ == "pobj" and w.head.head.i == v.i and _holds_figure(w)))]
        return later[-1] if later else before
    if v.lemma_.lower() in _indicator_rules()["level_words"]:  # `the intensity will reach 5.89 percent`
        subject = chain_subject(verb_chain(v))
        if subject is not None:
            return subject
    obj = objects[0] if objects else None
    if obj is not None:
        return obj
    return chain_subject(verb_chain(v))


def indicator_of(anchor: Token, unit: str | None, is_count: bool, head: Token | None = None) -> tuple[str, Token | None]:
    """(indicator, the noun it was read from)."""
    g = _indicator_rules()
    if unit in g["ratio_units"] and anchor.lower_ not in L.unwritten_units().multiple_verbs:
        return "other", None   # `2.1 times that of`; a verb's multiple (`triple its output`) measures its object
    v = governing_verb(anchor)
    if anchor.dep_ in ("dobj", "nsubjpass") and anchor.head.i == v.i and v.lemma_.lower() in g["verb_indicators"]:
        return g["verb_indicators"][v.lemma_.lower()], head  # `invest 3 billion yuan`, `51.6 billion will be spent`
    if head is None:
        head = indicator_head(anchor, is_count)
    if head is not None and head.pos_ in NOUNS and head.lower_ not in ("it", "they", "this"):
        text = phrase_text(head)
        found = joint_indicator(head) or classify(text)
        if found == "other" and _is_economy_growth(text, head, v):
            return g["economy_growth_indicator"], head
        if found != "other" or head.lemma_.lower() not in g["generic_heads"]:
            return found, head
        holder = head.head.head if head.dep_ == "pobj" and head.head.dep_ == "prep" else None
        if holder is not None and holder.pos_ in NOUNS and classify(phrase_text(holder)) != "other":
            # `the added value of industries above designated size increases by 6 percent`, read as
            # `value … above [size increases]`: a bare change noun takes the noun it hangs from
            return classify(phrase_text(holder)), holder
    if v.lemma_.lower() in g["verb_indicators"]:
        return g["verb_indicators"][v.lemma_.lower()], head
    if head is not None and head.pos_ in NOUNS:
        return classify(phrase_text(head)), head
    return "other", head


def joint_indicator(noun: Token) -> str | None:
    """`Total imports and exports`: an indicator the coordinated nouns name together and none names
    alone (foreign_trade), else None."""
    conjuncts = [c for c in noun.children if c.dep_ == "conj" and c.pos_ in NOUNS]
    if not conjuncts:
        return None
    words = noun.doc[noun.left_edge.i:max(c.i for c in conjuncts) + 1].text
    joint = classify(words)
    alone = {classify(phrase_text(n)) for n in [noun] + conjuncts}
    return joint if joint != "other" and joint not in alone else None


def _is_economy_growth(text: str, head: Token, verb: Token) -> bool:
    """`targets 5% growth`, `a growth target of 5.5 percent`, `Sichuan grew 6 percent`, `Guizhou and
    Yunnan are each expected to grow 5 percent`: growth said of nothing but a place is the growth
    of its economy."""
    g = _indicator_rules()
    own = [c.text for c in head.children if c.dep_ in ("amod", "compound") and c.lower_ not in unit_words()
           and not c.like_num] + [head.text]
    if g["bare_growth"].fullmatch(" ".join(own)):
        return True
    # the place is the subject of the growth verb or of the verbs it shares its subject with
    if head.pos_ != "PROPN" or verb.lemma_.lower() not in g["growth_verbs"]:
        return False
    subject = chain_subject(verb_chain(verb))
    return subject is not None and subject.i == head.i


def coordinated(noun: Token) -> list[Token]:
    """A noun and its conjuncts, in text order (`tourist arrivals and tourism revenues`)."""
    first = noun
    while first.dep_ == "conj" and first.head.pos_ in NOUNS:
        first = first.head
    out, stack = [], [first]
    while stack:
        t = stack.pop()
        out.append(t)
        stack.extend(c for c in t.children if c.dep_ == "conj" and c.pos_ in NOUNS)
    return sorted(out, key=lambda t: t.i)


# ------------------------------------------------------------------ measure and frequency

def measure_of(anchor: Token, unit: str | None) -> str:
    """`growth` (relative change in %), `change` (absolute change) or `level` (value to reach)."""
    g = _indicator_rules()
    if unit in g["change_units"]:
        return "change"
    prep = _verb_preposition(anchor)
    if prep == "to":     # `raise grain output to 41 million tonnes`: the value to reach
        return "level"
    near = _nearby_lemmas(anchor)
    is_change = bool(near & g["change_words"])
    if unit == "percent":
        return "growth" if is_change and not (near & g["level_words"] and not near & {"by", "growth", "increase"}) \
            else "level"
    return "change" if is_change else "level"


def _verb_preposition(anchor: Token) -> str | None:
    """The preposition that ties a figure straight to its verb (`raise … to 41 million tonnes`)."""
    t = anchor
    while t.dep_ in ("conj", "appos") and t.head.pos_ in NOUNS:
        t = t.head
    if t.dep_ == "pobj" and t.head.dep_ == "prep" and t.head.head.pos_ in VERBS:
        return t.head.lower_
    return None


def _nearby_lemmas(anchor: Token) -> set[str]:
    """Lemmas of the figure's head words, its verb and that verb's preposition/particle words.
    A figure that states the amount of a noun (`a total investment of 60 billion yuan`) takes
    its measure from that noun, not from the verb (`start 81 projects with …`)."""
    words = set()
    if not _complements_noun(anchor):
        v = governing_verb(anchor)
        words.add(v.lemma_.lower())
        for obj in v.children:  # `set their GDP growth targets at 5.5 percent`
            if obj.dep_ == "dobj" and obj.lower_ in _cues()["cue_words"]:
                words.update(c.lemma_.lower() for c in obj.children if c.dep_ in ("amod", "compound"))
    t = anchor
    for _ in range(4):
        words.add(t.lemma_.lower())
        words.update(c.lemma_.lower() for c in t.children if c.dep_ in ("amod", "compound", "prep", "advmod", "prt"))
        if t.pos_ in VERBS or t.head.i == t.i:
            break
        t = t.head
    return words


def _complements_noun(anchor: Token) -> bool:
    t = anchor
    while t.dep_ in ("conj", "appos") and t.head.pos_ in NOUNS:
        t = t.head
    noun = t.head.head
    return t.dep_ == "pobj" and t.head.lower_ == "of" and noun.pos_ in ("NOUN", "PROPN") \
        and noun.lemma_.lower() not in _indicator_rules()["pass_through_heads"]


def frequency_of(text: str) -> str | None:
    """`annual` when the figure is per year (`annually`, `average annual`, `year-on-year`)."""
    return "annual" if any(p.search(text) for p in _indicator_rules()["annual"]) else None


def clause_span(anchor: Token) -> Span:
    """The clause that states a figure: its verb's subtree, without conjoined clauses that do not hold it."""
    v = governing_verb(anchor)
    sent = anchor.sent
    if v.pos_ not in VERBS:
        return _trimmed(sent)
    lo, hi = v.left_edge.i, v.right_edge.i
    for ch in v.children:
        holds_anchor = ch.i == anchor.i or ch.is_ancestor(anchor)  # `anchor in ch.subtree`, in depth not size
        if ch.dep_ in ("conj", "cc", "punct") or (ch.dep_ == "advcl" and not holds_anchor):
            if holds_anchor:
                continue
            if ch.i > v.i:
                hi = min(hi, ch.left_edge.i - 1)
            elif ch.i < v.i and ch.dep_ != "punct":
                lo = max(lo, ch.right_edge.i + 1)
    lo = max(lo, sent.start)
    hi = min(max(hi, anchor.i), sent.end - 1)
    return _trimmed(anchor.doc[lo:hi + 1])


def _trimmed(span: Span) -> Span:
    """A clause without the list marker, punctuation and line breaks around it (`- GDP growth …;`)."""
    while len(span) > 1 and (span[0].is_punct or span[0].is_space or span[0].tag_ == "LS"):
        span = span[1:]
    while len(span) > 1 and (span[-1].is_punct or span[-1].is_space):
        span = span[:-1]
    return span
