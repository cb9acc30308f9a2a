"""Imported by the worker fork server (pipeline/engine.py): builds once what every worker would
otherwise build at its start — the region matcher over the gazetteer, quantulum3's unit tables
and the spaCy model named in PRELOAD_MODEL_ENV (~1.6 s together) — so forked workers inherit
them ready-made, sharing the pages copy-on-write. The server dies with the run that started it
(engine.die_with_parent), so a killed run leaves no server behind."""
import os

from . import runner
from .engine import die_with_parent
from .nlp import PRELOAD_MODEL_ENV

die_with_parent()

runner.warm_up(os.environ.get(PRELOAD_MODEL_ENV))
