"""Benchmark: the whole pipeline against the bare spaCy model on the same texts, at N and 4N articles.

Corpora are copies of seeds/ and tests/dev/articles/ under distinct ids. Every measured part runs
in a fresh subprocess, so its peak memory (ru_maxrss of the process and of its worker processes)
and its start-up are its own. Measured:
- reference: `nlp.pipe` with all the model's components over the corpus texts, `n_process=workers`
  (timed from the first text in, model already loaded);
- pipeline: `engine.run` with `workers` processes, cold cache, timed end to end (reading, worker
  start-up and model loading, writing the tables and the cache included);
- incremental: 10 new articles added to the N corpus, rerun on the warm cache.

Each size is measured `repeat` times, reference and pipeline alternating so that a slow spell of
the machine hits both; the ratio is taken between the fastest run of each (noise only ever adds
time: on this 2-core VM single runs of the same code varied by +-15%), and every run is reported.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "seeds", ROOT / "tests" / "dev" / "articles")
# Articles added to the cached corpus for the incremental rerun (the "ten new articles").
NEW_ARTICLES = 10
# Texts per nlp.pipe batch in the reference, as in pipeline/segment.py.
REFERENCE_BATCH = 64


def source_files() -> list[Path]:
    return sorted(p for d in SOURCES for p in d.glob("*.txt"))


def build_corpus(n: int, dest: Path, tag: str = "c") -> Path:
    """n articles in `dest`: the source articles copied round-robin under ids `<stem>__<tag><i>`."""
    dest.mkdir(parents=True, exist_ok=True)
    sources = source_files()
    for i in range(n):
        src = sources[i % len(sources)]
        (dest / f"{src.stem}__{tag}{i:05d}{src.suffix}").write_bytes(src.read_bytes())
    return dest


def corpus_words(corpus: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8", errors="replace").split()) for p in sorted(corpus.glob("*.txt")))


def run(n: int = 400, out_dir: str | os.PathLike = "outputs/bench", workers: int = 2,
        params_path: str | os.PathLike | None = "params.yaml", scale: int = 4, repeat: int = 3) -> dict:
    """Build the corpora (N and scale*N articles), measure every part in its own subprocess; the figures."""
    out = Path(out_dir)
    shutil.rmtree(out, ignore_errors=True)
    results: dict = {"n": n, "workers": workers, "repeat": repeat, "sizes": {}}
    for size in sorted({n, scale * n}):
        corpus = build_corpus(size, out / f"corpus-{size}")
        words = corpus_words(corpus)
        references, pipelines = [], []
        for _ in range(repeat):
            references.append(_measure("reference", corpus, out, workers, params_path))
            shutil.rmtree(out / f"cache-{size}", ignore_errors=True)  # every pipeline run starts cold
            pipelines.append(_measure("pipeline", corpus, out / f"out-{size}", workers, params_path,
                                      out / f"cache-{size}"))
        reference = min(references, key=lambda r: r["seconds"])
        pipeline = min(pipelines, key=lambda r: r["seconds"])
        results["sizes"][size] = {"articles": size, "words": words, "reference": reference, "pipeline": pipeline,
                                  "ratio": reference["seconds"] / pipeline["seconds"],
                                  "reference_runs": [r["seconds"] for r in references],
                                  "pipeline_runs": [r["seconds"] for r in pipelines]}
    corpus = out / f"corpus-{n}"
    build_corpus(NEW_ARTICLES, corpus, tag="new")
    results["incremental"] = _measure("pipeline", corpus, out / f"out-{n}", workers, params_path, out / f"cache-{n}")
    (out / "bench.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results


def _measure(part: str, corpus: Path, out: Path, workers: int, params_path, cache: Path | None = None) -> dict:
    cmd = [sys.executable, "-m", "pipeline.bench", part, str(corpus), str(out), str(workers), str(params_path),
           str(cache or "")]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark part {part} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _peak_mb() -> tuple[float, float]:
    """Peak RSS in MB of this process and of its largest finished child (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _measure_here(part: str, corpus: str, out: str, workers: int, params_path: str, cache: str) -> dict:
    """One measured part, in this (fresh) process."""
    from .runner import Params

    params = Params.load(params_path or None)
    if part == "reference":
        from .nlp import load_model

        loaded = time.perf_counter()
        nlp = load_model(params.model)
        load_seconds = time.perf_counter() - loaded
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path(corpus).glob("*.txt"))]
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=REFERENCE_BATCH, n_process=workers):
            pass
        result = {"seconds": time.perf_counter() - started, "model_load_seconds": load_seconds,
                  "components": list(nlp.pipe_names)}
    else:
        from . import engine

        started = time.perf_counter()
        stats = engine.run(corpus, out, params, workers=workers, cache_dir=cache or None, progress=False)
        result = {"seconds": time.perf_counter() - started, "processed": stats.processed, "cached": stats.cached,
                  "articles": stats.articles, "ok": stats.ok, "batch_process_peak_rss_mb": stats.peak_rss_mb}
    own, children = _peak_mb()
    workers_peak = max(children, result.get("batch_process_peak_rss_mb", 0.0))
    return result | {"peak_rss_mb": max(own, workers_peak), "peak_rss_main_mb": own, "peak_rss_workers_mb": workers_peak}


def report(results: dict) -> str:
    """The figures, one line each."""
    lines = [f"benchmark: {results['workers']} worker processes; corpora of seeds + dev copies; "
             f"fastest of {results['repeat']} alternating runs"]
    for size, r in results["sizes"].items():
        ref, pipe = r["reference"], r["pipeline"]
        lines.append(
            f"N={size:>5}: pipeline {size / pipe['seconds']:6.1f} articles/s {r['words'] / pipe['seconds']:8.0f} words/s "
            f"({pipe['seconds']:.1f} s, peak RSS {pipe['peak_rss_mb']:.0f} MB); "
            f"spaCy nlp.pipe {size / ref['seconds']:6.1f} articles/s {r['words'] / ref['seconds']:8.0f} words/s "
            f"({ref['seconds']:.1f} s, peak RSS {ref['peak_rss_mb']:.0f} MB); ratio {r['ratio']:.2f} (goal >= 0.8)")
        lines.append(f"         all runs (s): pipeline {_seconds(r['pipeline_runs'])}; "
                     f"spaCy {_seconds(r['reference_runs'])}")
    inc = results["incremental"]
    lines.append(f"incremental: {NEW_ARTICLES} new articles added to N={results['n']}: {inc['processed']} processed, "
                 f"{inc['cached']} from cache, {inc['seconds']:.1f} s")
    return "\n".join(lines)


def _seconds(runs: list[float]) -> str:
    return " ".join(f"{s:.1f}" for s in runs)


# --- time against sentence length ----------------------------------------------------------------
# One article whose body is one sentence of the shapes that broke linearity (issue 17): a list of
# figures, `respectively` clauses, a `between … and` chain, a run of currency signs. Each length is
# timed through every stage after clean (runner.analyse: segment to tables) in this process, model
# loaded first; the sentence is put into the cleaned text as is, since clean may drop a list as
# page furniture, and the point is the extraction's growth with length.

SENTENCE_LENGTHS = (1_000, 10_000, 100_000)
SENTENCE_SHAPES = {
    "list of figures": "5 percent, ",
    "respectively": "Beijing, Shanghai and Tianjin grew 5, 6 and 7 percent, respectively, ",
    "between chain": "between 5 and ",
    "currency run": "$¥",
}


def sentence_article(shape: str, chars: int) -> str:
    unit = SENTENCE_SHAPES[shape]
    body = (unit * (chars // len(unit) + 1))[:chars]
    return f"Shanghai figures\n\nShanghai's economy grew in 2020: {body} 6 percent.\n"


def sentence_scaling(lengths=SENTENCE_LENGTHS, shapes=tuple(SENTENCE_SHAPES), params_path=None) -> dict:
    """Seconds through every stage for one sentence of each length and shape, and per 1,000 characters."""
    import pandas as pd

    from . import clean, runner
    from .inputs import RAW_COLUMNS

    params = runner.Params.load(params_path)
    params = runner.Params(model=params.model, n_process=1, time_budget_seconds=0)  # measure, never stop

    def raw(text: str) -> pd.DataFrame:
        return pd.DataFrame([{"article_id": "s", "source_path": "s.txt", "sha256": "s", "input_format": "txt",
                              "content_type": "text", "raw_text": text, "url": None, "published_hint": None,
                              "error": None, "warning": None}], columns=RAW_COLUMNS)

    cleaned = clean.run(raw("Shanghai figures\n\nShanghai's economy grew 5 percent in 2020, the city said.\n"))
    runner.analyse(cleaned, params)  # model and rules loaded
    results: dict = {}
    for shape in shapes:
        for chars in lengths:
            article = cleaned.assign(clean_text=sentence_article(shape, chars))
            started = time.perf_counter()
            tables = runner.analyse(article, params)
            seconds = time.perf_counter() - started
            results.setdefault(shape, {})[chars] = {
                "seconds": round(seconds, 3), "seconds_per_1k_chars": round(seconds / chars * 1000, 4),
                "status": tables["articles"]["status"].iloc[0], "quantities": len(tables["quantities"])}
    return results


def sentence_report(results: dict) -> str:
    """A table: one line per shape, seconds at each length, and the growth factor per 10x of length."""
    lines = ["time against sentence length (one sentence through every stage):"]
    for shape, by_length in results.items():
        lengths = sorted(by_length)
        cells = ", ".join(f"{n:,} chars {by_length[n]['seconds']:.2f} s" for n in lengths)
        growth = ", ".join(f"x{by_length[b]['seconds'] / max(by_length[a]['seconds'], 1e-3):.1f}"
                           for a, b in zip(lengths, lengths[1:]))
        lines.append(f"  {shape}: {cells} (per 10x length: {growth})")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["sentences"]:  # python -m pipeline.bench sentences [LENGTH ...]
        lengths = tuple(int(a) for a in sys.argv[2:]) or SENTENCE_LENGTHS
        print(sentence_report(sentence_scaling(lengths)))
    else:  # one measured part, run by `_measure` in a fresh subprocess
        part_, corpus_, out_, workers_, params_, cache_ = sys.argv[1:7]
        print(json.dumps(_measure_here(part_, corpus_, out_, int(workers_), params_, cache_)))
