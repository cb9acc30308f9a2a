"""Benchmark: the whole pipeline against the bare spaCy model, both timed the same way.

Every measured run is a fresh process, timed from its start to its exit by a small stdlib-only
wrapper process (so imports, the model load, reading the texts and, for the pipeline, writing the
tables and the cache are all inside the figure), which also reads the peak RSS of the largest
process of the run's tree (the run itself or one of its workers). The two sides:
- reference: a process that loads the model with all its components and runs `nlp.pipe` over
  the corpus texts with `n_process=workers`;
- pipeline: `python -m pipeline -q run` with `--workers workers`, cold cache.

Runs alternate (reference, pipeline, reference, …) so that a slow spell of the shared machine
hits both sides; every figure is the median of `repeat` runs, with their min and max. Reported:
- N and scale*N articles: both sides' times and the ratio of the medians;
- steady-state rates: articles/s and words/s between N and scale*N (start-up cancels out);
- start-up: both sides on 1 and on 10 articles;
- memory: the pipeline's peak RSS at scale*N over that at N;
- incremental: 10 new articles added to the cached N corpus, against the same 10 processed alone;
- with `dask=True`, the pipeline on `--engine dask --scheduler local` against the local engine at N.
Corpora are copies of seeds/ and tests/dev/articles/ under distinct ids.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "seeds", ROOT / "tests" / "dev" / "articles")
# Articles added to the cached corpus for the incremental rerun (the "ten new articles").
NEW_ARTICLES = 10
# Corpus sizes of the start-up runs: one article, and the ten the incremental run adds.
STARTUP_SIZES = (1, NEW_ARTICLES)
# Texts per nlp.pipe batch in the reference, as in pipeline/segment.py.
REFERENCE_BATCH = 64
# Goals of issue 16 (pipeline time over reference time, or the named ratio).
GOALS = {"throughput": 0.87, "startup": 1.3, "memory": 1.1, "incremental": 1.3, "dask": 1.15}

# The wrapper that runs one measured command: it imports only the standard library, so its own
# start-up is outside the figure; it prints wall seconds and the peak RSS (MiB) of the largest
# process it waited for (Linux reports ru_maxrss in KiB).
_WRAPPER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "returncode": done.returncode,
                  "stderr": done.stderr[-3000:]}))
"""


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


def measure(cmd: list[str]) -> dict:
    """Wall seconds from process start to exit and the peak RSS of one command, in a fresh wrapper."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, cwd=ROOT)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.pop("returncode") != 0:
        raise RuntimeError(f"benchmark command failed: {' '.join(cmd)}\n{result['stderr']}")
    result.pop("stderr")
    return result


def reference_cmd(corpus: Path, workers: int, model: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.bench", "reference", str(corpus), str(workers), model]


def pipeline_cmd(corpus: Path, out: Path, workers: int, params_path: str, cache: Path | None,
                 engine: str = "local") -> list[str]:
    cmd = [sys.executable, "-m", "pipeline", "-q", "run", "--input", str(corpus), "--output", str(out)]
    cmd += ["--workers", str(workers)] + (["--engine", "dask", "--scheduler", "local"] if engine == "dask" else [])
    cmd += ["--cache", str(cache)] if cache is not None else ["--no-cache"]
    return cmd + (["--params", params_path] if params_path else [])


def summary(runs: list[dict]) -> dict:
    """Median, min and max of the runs' seconds and peak RSS, and every run's seconds."""
    seconds = [r["seconds"] for r in runs]
    rss = [r["peak_rss_mb"] for r in runs]
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds), "runs": seconds,
            "peak_rss_mb": statistics.median(rss), "peak_rss_max_mb": max(rss)}


def _model(params_path: str) -> str:
    from .params import Params

    return Params.load(params_path or None).model


def run_benchmark(n: int = 480, out_dir: str | os.PathLike = "outputs/bench", workers: int = 2,
                  params_path: str | os.PathLike | None = "params.yaml", scale: int = 4, repeat: int = 3,
                  dask: bool = False) -> dict:
    """Build the corpora, measure every part in alternation; the figures (also in OUT/bench.json)."""
    out = Path(out_dir)
    shutil.rmtree(out, ignore_errors=True)
    params_path = str(params_path or "")
    model = _model(params_path)
    results: dict = {"n": n, "scale": scale, "workers": workers, "repeat": repeat, "load": _load(), "sizes": {},
                     "startup": {}}

    def pair(size: int, corpus: Path, tag: str, cache: Path | None = None) -> dict:
        references, pipelines = [], []
        for _ in range(repeat):
            references.append(measure(reference_cmd(corpus, workers, model)))
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)  # every pipeline run starts cold
            pipelines.append(measure(pipeline_cmd(corpus, out / f"out-{tag}", workers, params_path, cache)))
        ref, pipe = summary(references), summary(pipelines)
        return {"articles": size, "words": corpus_words(corpus), "reference": ref, "pipeline": pipe,
                "ratio": pipe["median"] / ref["median"]}

    for size in STARTUP_SIZES:
        corpus = build_corpus(size, out / f"corpus-new{size}", tag="new")
        results["startup"][size] = pair(size, corpus, f"new{size}")
    for size in sorted({n, scale * n}):
        corpus = build_corpus(size, out / f"corpus-{size}")
        results["sizes"][size] = pair(size, corpus, str(size), cache=out / f"cache-{size}")
    sizes = results["sizes"]
    if scale > 1:
        low, high = sizes[n], sizes[scale * n]
        results["steady"] = {side: {"articles_per_s": (high["articles"] - low["articles"])
                                    / max(high[side]["median"] - low[side]["median"], 1e-9),
                                    "words_per_s": (high["words"] - low["words"])
                                    / max(high[side]["median"] - low[side]["median"], 1e-9)}
                             for side in ("reference", "pipeline")}
        results["memory_ratio"] = high["pipeline"]["peak_rss_mb"] / low["pipeline"]["peak_rss_mb"]
    results["incremental"] = _incremental(n, out, workers, params_path, repeat)
    if dask:
        corpus = out / f"corpus-{n}"
        local, on_dask = [], []
        for _ in range(repeat):
            local.append(measure(pipeline_cmd(corpus, out / "out-local", workers, params_path, None)))
            on_dask.append(measure(pipeline_cmd(corpus, out / "out-dask", workers, params_path, None, "dask")))
        results["dask"] = {"local": summary(local), "dask": summary(on_dask)}
        results["dask"]["ratio"] = results["dask"]["dask"]["median"] / results["dask"]["local"]["median"]
    results["load_after"] = _load()
    (out / "bench.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return results


def _incremental(n: int, out: Path, workers: int, params_path: str, repeat: int) -> dict:
    """10 new articles added to the cached N corpus (the cache of N's last cold run, copied afresh for
    every run), alternating with the same 10 processed alone on a cold cache."""
    corpus = out / f"corpus-{n}-plus{NEW_ARTICLES}"
    shutil.copytree(out / f"corpus-{n}", corpus)
    build_corpus(NEW_ARTICLES, corpus, tag="new")
    alone_corpus = out / f"corpus-new{NEW_ARTICLES}"
    added, alone = [], []
    for _ in range(repeat):
        cache = out / "cache-incremental"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(out / f"cache-{n}", cache)
        added.append(measure(pipeline_cmd(corpus, out / "out-incremental", workers, params_path, cache)))
        shutil.rmtree(out / "cache-alone", ignore_errors=True)
        alone.append(measure(pipeline_cmd(alone_corpus, out / "out-alone", workers, params_path,
                                          out / "cache-alone")))
    result = {"added": summary(added), "alone": summary(alone)}
    result["ratio"] = result["added"]["median"] / result["alone"]["median"]
    return result


def _load() -> str:
    """The machine's load averages (1, 5, 15 min): other work on the machine skews every figure."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def reference_main(corpus: str, workers: int, model: str) -> None:
    """The reference side, in its own process: the model with all its components over the texts."""
    from .nlp import load_model

    nlp = load_model(model, exclude=())
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(Path(corpus).glob("*.txt"))]
    for _doc in nlp.pipe(texts, batch_size=REFERENCE_BATCH, n_process=workers):
        pass
    print(json.dumps({"components": list(nlp.pipe_names)}))


def _fmt(s: dict) -> str:
    return f"{s['median']:.2f} s (min {s['min']:.2f}, max {s['max']:.2f}; peak RSS {s['peak_rss_mb']:.0f} MiB)"


def report(results: dict) -> str:
    """The figures, one line each, with the goals of issue 16."""
    lines = [f"benchmark: {results['workers']} processes each side; copies of seeds + dev; median of "
             f"{results['repeat']} alternating runs, each timed from process start to exit; "
             f"load average {results['load']} before, {results.get('load_after', '?')} after"]
    for kind, goal in (("startup", GOALS["startup"]), ("sizes", GOALS["throughput"])):
        for size, r in results[kind].items():
            lines.append(f"{r['articles']:>5} articles: pipeline {_fmt(r['pipeline'])}; spaCy {_fmt(r['reference'])}; "
                         f"pipeline/spaCy {r['ratio']:.2f} (goal <= {goal})")
    if "steady" in results:
        st = results["steady"]
        lines.append("steady state: " + "; ".join(
            f"{side} {st[side]['articles_per_s']:.1f} articles/s {st[side]['words_per_s']:.0f} words/s"
            for side in ("pipeline", "reference")))
        lines.append(f"memory: pipeline peak RSS at {results['scale']}N over N {results['memory_ratio']:.2f} "
                     f"(goal <= {GOALS['memory']})")
    inc = results["incremental"]
    lines.append(f"incremental: {NEW_ARTICLES} new added to cached N={results['n']} {_fmt(inc['added'])}; "
                 f"the {NEW_ARTICLES} alone {_fmt(inc['alone'])}; ratio {inc['ratio']:.2f} "
                 f"(goal <= {GOALS['incremental']})")
    if "dask" in results:
        d = results["dask"]
        lines.append(f"dask local cluster at N: {_fmt(d['dask'])}; local engine {_fmt(d['local'])}; "
                     f"ratio {d['ratio']:.2f} (goal <= {GOALS['dask']})")
    return "\n".join(lines)


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
    elif sys.argv[1] == "reference":  # the reference side of a measured run (see `measure`)
        reference_main(sys.argv[2], int(sys.argv[3]), sys.argv[4])
