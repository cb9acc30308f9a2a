"""Information extraction from English news on China's regional development into Parquet tables.

Stages, one module each: clean → segment → ner → quantities → link → tables (→ evaluate).
"""
__version__ = "0.1.0"
