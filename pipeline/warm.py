"""Imported by the worker fork server (pipeline/engine.py): builds once what every worker would
otherwise build at its start — the region matcher over the gazetteer, the pinyin syllable set and
quantulum3's unit tables (~1.3 s together) — so forked workers inherit them ready-made."""
from . import ner, quantities, runner  # noqa: F401  (runner: the stage modules themselves)

ner.recognizer_pipeline()
ner.pinyin_syllables()
quantities.warm_up()
