"""Imported by the worker fork server (pipeline/engine.py): builds once what every worker would
otherwise build at its start — the region matcher over the gazetteer, quantulum3's unit tables
and the spaCy model named in PRELOAD_MODEL_ENV (~1.6 s together) — so forked workers inherit
them ready-made, sharing the pages copy-on-write. The server dies with the run that started it
(engine.die_with_parent), so a killed run leaves no server behind."""
import os

from . import ner, quantities, runner  # noqa: F401  (runner: the stage modules themselves)
from .engine import die_with_parent
from .nlp import PRELOAD_MODEL_ENV, load_model

die_with_parent()

ner.recognizer_pipeline()
ner.pinyin_syllables()
quantities.warm_up()
if os.environ.get(PRELOAD_MODEL_ENV):
    load_model(os.environ[PRELOAD_MODEL_ENV])
