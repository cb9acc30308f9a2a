"""Imported by the worker fork server (pipeline/engine.py): builds once what every worker would
otherwise build at its start — the region matcher over the gazetteer, quantulum3's unit tables
and the spaCy model named in PRELOAD_MODEL_ENV (~1.6 s together) — so forked workers inherit
them ready-made, sharing the pages copy-on-write."""
import os

from . import ner, quantities, runner  # noqa: F401  (runner: the stage modules themselves)
from .nlp import PRELOAD_MODEL_ENV, load_model

ner.recognizer_pipeline()
ner.pinyin_syllables()
quantities.warm_up()
if os.environ.get(PRELOAD_MODEL_ENV):
    load_model(os.environ[PRELOAD_MODEL_ENV])
