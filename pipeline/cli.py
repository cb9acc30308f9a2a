"""Command line: `run` does every stage in one go; one subcommand per DVC stage; `evaluate`, `report`.

Installed, the command is `regional-ie`; in a checkout, `python -m pipeline` is the same.
Stage subcommands read and write the intermediate tables of a work directory (`--work`, which
they require: dvc.yaml gives `outputs/work`), named after the table they hold. Each runs its articles
in batches under the time budget of params.yaml, as `run` does (pipeline/guard.py): an article that
fails or runs out of time is written to the stage's `notes_<stage>` table, skipped by later stages
and marked `failed` by the tables stage.
Every failure ends with one line on stderr and a non-zero exit (2: nothing could be done with
these options or paths; 1: a failure while working); `--verbose` also prints the traceback.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import pandas as pd

from . import __version__, checks, guard, schema
from .checks import UsageError
from .inputs import InputError, door_warnings, list_input_files, read_inputs
from .params import ConfigError, Params
from .tableio import atomic_write_text, read_table, write_table

log = logging.getLogger("pipeline")

PROG = "regional-ie"
# The stages that leave notes on articles (pipeline/guard.py), in stage order: notes_<stage>.parquet.
NOTE_STAGES = ("segment", "ner", "quantities", "link")
# The stage tables the tables stage reads besides `articles`, in the order tables.run takes them.
STAGE_TABLES = ("sentences", "regions", "quantities", "targets")
# Intermediate tables of the work directory: file stem -> schema name.
WORK_TABLES = {
    "articles": "articles", "sentences": "sentences", "tokens": "tokens", "regions": "regions",
    "quantities_unlinked": "quantities", "quantities": "quantities", "targets": "targets", "blocks": "blocks",
    "link_candidates": "link_candidates",
    **{f"notes_{stage}": "stage_notes" for stage in NOTE_STAGES},
}
# The stage that writes each intermediate table, named when a later stage finds it missing.
WRITTEN_BY = {"articles": "clean", "sentences": "segment", "tokens": "segment", "regions": "ner",
              "quantities_unlinked": "quantities", "quantities": "link", "targets": "link",
              **{f"notes_{stage}": stage for stage in NOTE_STAGES}}


def _needs(args, *names: str) -> None:
    """Before a stage starts: the tables it reads are in --work, and --work can be written."""
    checks.work_tables(args.work, {name: WRITTEN_BY[name] for name in names})
    checks.writable_dir(args.work, "--work")


def _work(args, name: str):
    return read_table(Path(args.work) / f"{name}.parquet")


def _save(args, df, name: str) -> None:
    write_table(df, WORK_TABLES[name], Path(args.work) / f"{name}.parquet")


def _params(args) -> Params:
    """The checked parameters, with a model that is installed (an error names those that are)."""
    from .nlp import resolve_model

    params = Params.load(args.params)
    resolve_model(params.model)
    return params


def cmd_run(args) -> int:
    from . import engine

    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    if args.engine == "dask" and not args.scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (tcp://host:8786, or `local`)")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler is for --engine dask (the local engine uses --workers processes)")
    params = dataclasses.replace(_params(args), explain=args.explain)
    list_input_files(args.input)  # a missing or unsupported input fails before anything is created
    checks.writable_dir(args.output, "--output")
    if args.no_cache or args.explain:  # cached articles hold no link candidates
        cache_dir = None
    else:
        cache_dir = args.cache or engine.default_cache_dir(args.output)  # unwritable: the engine runs without it
    if args.engine == "dask":
        checks.reachable_scheduler(args.scheduler)
    stats = engine.process_corpus(args.input, args.output, params, engine=args.engine,
                       scheduler=args.scheduler, workers=args.workers, cache_dir=cache_dir, progress=not args.quiet)
    log.info("%s", stats.summary())
    return 0


def cmd_bench(args) -> int:
    from . import bench

    if min(args.n, args.workers, args.scale, args.repeat) < 1:
        raise UsageError("--n, --workers, --scale and --repeat must be at least 1")
    if not all(source.is_dir() for source in bench.SOURCES):
        raise UsageError("bench needs a checkout of the repository: its corpus is seeds/ and tests/dev/articles/")
    _params(args)
    checks.writable_dir(args.out, "--out")
    # the measured runs start in the repository root: an absolute path, or "" for their own default
    params_path = str(Path(args.params).resolve()) if args.params else ""
    print(bench.report(bench.run_benchmark(n=args.n, out_dir=args.out, workers=args.workers, params_path=params_path,
                                           scale=args.scale, repeat=args.repeat, dask=args.dask)))
    return 0


def cmd_clean(args) -> int:
    from . import clean

    budget = Params.load(args.params).time_budget_seconds
    checks.writable_dir(args.work, "--work")

    def clean_batch(raw):
        return clean.run(raw).assign(warnings=door_warnings(raw))

    def failed(raw, error):  # clean keeps a raw row's error as the article's
        return clean_batch(raw.assign(raw_text=None, error=error))

    parts, _ = guard.run_stage("clean", read_inputs(args.input), clean_batch, budget, failed=failed)
    articles = pd.concat(parts, ignore_index=True) if parts else schema.empty("articles")
    _save(args, articles, "articles")
    _save(args, clean.blocks(articles), "blocks")
    return 0


def _joined(parts: list[pd.DataFrame | None], name: str) -> pd.DataFrame:
    """The rows of several batches' frames of table `name`, in order."""
    parts = [p for p in parts if p is not None and not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else schema.empty(name)


def _notes(args, *stages: str) -> pd.DataFrame:
    """The stage notes the named earlier stages left, in stage order."""
    return _joined([_work(args, f"notes_{name}") for name in stages], "stage_notes")


def _todo(articles: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """The `ok` articles no earlier stage failed: the ones a stage works on."""
    failed = guard.failures(notes)
    return articles[(articles["status"] == "ok") & ~articles["article_id"].astype(str).isin(failed)]


def _save_notes(args, name: str, *frames: pd.DataFrame) -> None:
    _save(args, _joined(list(frames), "stage_notes"), f"notes_{name}")


def cmd_segment(args) -> int:
    from . import segment
    from .nlp import load_model

    params = _params(args)
    _needs(args, "articles")
    nlp = load_model(params.model)

    def segment_batch(articles):
        sentences, tokens, docs = segment.parse(articles, nlp, n_process=params.n_process)
        return sentences, tokens, [guard.note(aid, "segment", guard.WARNING, warning)
                                   for aid, doc in docs.items() for warning in segment.doc_warnings(doc)]

    # with n_process > 1 each batch starts its own processes, so a batch holds that many times more articles
    results, failed = guard.run_stage("segment", _todo(_work(args, "articles"), _notes(args)), segment_batch,
                                      params.time_budget_seconds,
                                      batch_size=guard.STAGE_BATCH_ARTICLES * params.n_process)
    _save(args, _joined([r[0] for r in results], "sentences"), "sentences")
    _save(args, _joined([r[1] for r in results], "tokens"), "tokens")
    _save_notes(args, "segment", failed, guard.notes_frame(n for r in results for n in r[2]))
    return 0


def cmd_ner(args) -> int:
    from . import ner

    budget = Params.load(args.params).time_budget_seconds
    _needs(args, "articles", "tokens", "notes_segment")
    tokens_of = guard.by_article(_work(args, "tokens"))
    articles = _todo(_work(args, "articles"), _notes(args, "segment"))
    ner.recognizer_pipeline()  # built before any article's budget starts (~2 s), as runner.warm_up does
    ner.pinyin_syllables()
    results, failed = guard.run_stage("ner", articles, lambda batch: ner.run(batch, tokens_of(batch["article_id"])),
                                      budget)
    _save(args, _joined(results, "regions"), "regions")
    _save_notes(args, "ner", failed)
    return 0


def cmd_quantities(args) -> int:
    from . import quantities

    budget = Params.load(args.params).time_budget_seconds
    _needs(args, "articles", "tokens", "notes_segment")
    tokens_of = guard.by_article(_work(args, "tokens"))
    articles = _todo(_work(args, "articles"), _notes(args, "segment"))
    quantities.warm_up()  # before any article's budget starts
    results, failed = guard.run_stage(
        "quantities", articles, lambda batch: quantities.run(batch, tokens_of(batch["article_id"])), budget)
    _save(args, _joined(results, "quantities"), "quantities_unlinked")
    _save_notes(args, "quantities", failed)
    return 0


def cmd_link(args) -> int:
    from . import link

    budget = Params.load(args.params).time_budget_seconds
    _needs(args, "articles", "sentences", "tokens", "regions", "quantities_unlinked", "notes_segment", "notes_ner",
           "notes_quantities")
    has_blocks = (Path(args.work) / "blocks.parquet").exists()
    rows_of = {name: guard.by_article(_work(args, name))
               for name in ("sentences", "tokens", "regions", "quantities_unlinked") + (("blocks",) if has_blocks else ())}
    articles = _todo(_work(args, "articles"), _notes(args, "segment", "ner", "quantities"))

    def link_batch(batch):
        ids = batch["article_id"].astype(str).tolist()
        return link.run(batch, rows_of["sentences"](ids), rows_of["tokens"](ids), rows_of["regions"](ids),
                        rows_of["quantities_unlinked"](ids), blocks=rows_of["blocks"](ids) if has_blocks else None)

    results, failed = guard.run_stage("link", articles, link_batch, budget)
    _save(args, _joined([r[0] for r in results], "quantities"), "quantities")
    _save(args, _joined([r[1] for r in results], "targets"), "targets")
    _save_notes(args, "link", failed)
    return 0


def cmd_tables(args) -> int:
    from . import tables

    budget = Params.load(args.params).time_budget_seconds
    checks.work_tables(args.work, {name: WRITTEN_BY[name] for name in (
        "articles", *STAGE_TABLES, *(f"notes_{s}" for s in NOTE_STAGES))})
    checks.writable_dir(args.output, "--output")
    articles, failed = guard.apply_notes(_work(args, "articles"), _notes(args, *NOTE_STAGES))
    frames = {name: _work(args, name) for name in STAGE_TABLES}
    rows_of = {name: guard.by_article(df) for name, df in frames.items()}

    def tables_batch(batch):
        ids = batch["article_id"].astype(str).tolist()
        return tables.run(batch, *(rows_of[name](ids) for name in STAGE_TABLES))

    # each batch on its own first, as in `run`, so an article that breaks this stage fails alone
    _, notes = guard.run_stage("tables", articles[~articles["article_id"].astype(str).isin(failed)], tables_batch,
                               budget)
    articles, failed_here = guard.apply_notes(articles, notes)
    failed |= failed_here
    # a failed article keeps only its articles row, as in `run`
    kept = [df[~df["article_id"].astype(str).isin(failed)] for df in frames.values()]
    result = tables.run(articles, *kept)
    tables.write_all(result, args.output)
    log.info("%s", summary(result["articles"]))
    return 0


def summary(articles: pd.DataFrame) -> str:
    """One line on the articles of the tables stage: how many ok, not ok and stopped by the time budget."""
    ok = int((articles["status"] == "ok").sum())
    over = int(guard.over_budget(articles["error"]).sum())
    return (f"{len(articles)} articles: {ok} ok, {len(articles) - ok} not ok"
            + (f", {over} over the time budget" if over else ""))


def _output_tables(args) -> Path:
    """--output of the commands that read the tables of a run: a directory that holds them."""
    if args.output is None:  # required, but optional to argparse because of its hidden old name
        raise UsageError(f"the following arguments are required: --output (see `{PROG} {args.command} --help`)")
    output = Path(args.output)
    if not (output / "articles.parquet").exists():
        raise UsageError(f"no articles.parquet in --output {output}: not the output directory of a run")
    return output


def cmd_evaluate(args) -> int:
    checks.gold_file(args.gold)
    output = _output_tables(args)
    if args.errors_out and Path(args.errors_out).suffix.lower() not in (".csv", ".jsonl", ".json"):
        raise UsageError(f"--errors-out must end in .csv or .jsonl: {args.errors_out}")
    for option, path in (("--metrics", args.metrics), ("--plots", args.plots), ("--errors-out", args.errors_out)):
        if path:
            checks.writable_dir(Path(path).parent, option)
    from . import evaluate as evaluation  # only this command needs the scorer

    result = evaluation.score(args.gold, output)
    if args.metrics:
        atomic_write_text(args.metrics, json.dumps(evaluation.flat_metrics(result), indent=2, sort_keys=True) + "\n")
    if args.plots:
        evaluation.write_plots(result, args.plots)
    if args.errors_out:
        evaluation.write_errors(result["errors"], args.errors_out)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    if args.by_article:
        print(evaluation.format_by_article(result))
    if args.errors:
        print(evaluation.format_errors(result["errors"]))
    print(evaluation.summary(result))
    return 0


def cmd_report(args) -> int:
    from . import report

    output = _output_tables(args)
    if args.gold:
        checks.gold_file(args.gold)
    report_dir = checks.writable_dir(args.report_dir or output / report.REPORT_DIRNAME, "--report-dir")
    print(report.build(output, gold=args.gold, report_dir=report_dir))
    return 0


def cmd_datadict(args) -> int:
    from . import datadict

    if args.path is None and not datadict.DOC_PATH.parent.is_dir():
        raise UsageError("outside a checkout of the repository, datadict needs --path FILE")
    path = args.path or datadict.DOC_PATH
    if args.check:
        if not datadict.is_current(path):
            raise UsageError(f"{path} is out of date; regenerate it with `{datadict.REGENERATE}`")
        return 0
    checks.writable_dir(Path(path).parent, "--path")
    print(datadict.write(path))
    return 0


# --- the parser -------------------------------------------------------------------------------------

class OneLineErrorParser(argparse.ArgumentParser):
    """Bad options end the run with one line that says why, not a usage block."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


# One example per subcommand, citing only files of the repository (run from its root).
EXAMPLES = {
    "run": f"{PROG} run --input seeds --output /tmp/out",
    "bench": f"{PROG} bench --scale 1 --repeat 1 --out /tmp/bench",
    "clean": f"{PROG} clean --input seeds --work /tmp/work",
    "segment": f"{PROG} segment --work /tmp/work --params params.yaml",
    "ner": f"{PROG} ner --work /tmp/work",
    "quantities": f"{PROG} quantities --work /tmp/work",
    "link": f"{PROG} link --work /tmp/work",
    "tables": f"{PROG} tables --work /tmp/work --output /tmp/out",
    "evaluate": f"{PROG} evaluate --gold tests/gold/seeds.jsonl --output /tmp/out",
    "report": f"{PROG} report --output /tmp/out --gold tests/gold/seeds.jsonl",
    "datadict": f"{PROG} datadict --check",
}


def _add_verbosity(parser: argparse.ArgumentParser, default) -> None:
    """-q/-v, accepted before and after the subcommand (the subcommand's copy defaults to SUPPRESS,
    so it never overwrites what was given before it)."""
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="only warnings and errors (Dask's logging too); no progress")
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="debug logging, and the traceback of an error")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Extract regions, figures and targets from news articles on China's regional development\n"
                    "into Parquet tables. In a checkout `python -m pipeline` is the same command.",
        epilog=f"example (from the repository root):\n  {EXAMPLES['run']}\n  {EXAMPLES['evaluate']}\n"
               f"`{PROG} COMMAND --help` explains each command; docs/DATA_DICTIONARY.md describes the tables.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_verbosity(parser, False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineErrorParser)

    def add(name: str, func, help_: str, work: bool = True, params: bool = False):
        p = sub.add_parser(name, help=help_, description=help_, formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=f"example (from the repository root):\n  {EXAMPLES[name]}")
        _add_verbosity(p, argparse.SUPPRESS)
        if work:
            p.add_argument("--work", required=True, metavar="DIR",
                           help="directory of the intermediate tables (dvc.yaml uses outputs/work)")
        if params:
            p.add_argument("--params", metavar="FILE",
                           help="parameters file (default: params.yaml of the current directory if there is one, "
                                "else the built-in defaults)")
        p.set_defaults(func=func)
        return p

    def add_output(p, help_: str, old_name: str | None = None) -> None:
        """--output names the directory of the output tables in every command; an old name still works
        (hidden), so scripts written for it keep running."""
        p.add_argument("--output", metavar="DIR", required=old_name is None, help=help_)
        if old_name:
            p.add_argument(old_name, dest="output", help=argparse.SUPPRESS)

    p = add("run", cmd_run, "Run every stage over articles and write the output tables.", work=False, params=True)
    p.add_argument("--input", required=True, help="a directory of .txt/.html/.jsonl articles, or one such file")
    add_output(p, "directory the <table>.parquet outputs are written to")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: batches in this machine's processes; dask: partitions on a dask.distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786), or `local` to start a cluster on this machine")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes, each with its own model: of the local engine, or of the cluster that "
                        "`--scheduler local` starts (default %(default)s)")
    p.add_argument("--cache", metavar="DIR",
                   help="per-article result cache (default: .pipeline-cache beside the output directory)")
    p.add_argument("--no-cache", action="store_true", help="process every article, read and write no cache")
    p.add_argument("--explain", action="store_true",
                   help="also write link_candidates.parquet: every region considered for every figure (no cache)")

    p = add("bench", cmd_bench, "Benchmark: throughput and peak memory against the bare spaCy model "
            "(needs a checkout: its corpus is seeds/ and tests/dev/articles/).", work=False, params=True)
    p.add_argument("--n", type=int, default=480, help="articles in the benchmark corpus (default %(default)s)")
    p.add_argument("--scale", type=int, default=4,
                   help="also run at SCALE x N, to show memory stays flat (default %(default)s; 1: N only)")
    p.add_argument("--repeat", type=int, default=3,
                   help="alternating runs of spaCy and the pipeline per size; the median of each counts, "
                        "min and max are shown (default %(default)s)")
    p.add_argument("--out", default="outputs/bench", help="directory for the corpora and outputs (default %(default)s)")
    p.add_argument("--workers", type=int, default=2,
                   help="processes for both the pipeline and nlp.pipe (default %(default)s)")
    p.add_argument("--dask", action="store_true",
                   help="also time the pipeline on a local Dask cluster against the local engine at N")

    p = add("clean", cmd_clean, "Stage clean: read articles, strip page furniture, extract metadata.", params=True)
    p.add_argument("--input", required=True, help="a directory of articles, or one file")
    add("segment", cmd_segment, "Stage segment: sentences and the spaCy parse (tokens).", params=True)
    add("ner", cmd_ner, "Stage ner: region mentions with their codes.", params=True)
    add("quantities", cmd_quantities, "Stage quantities: every number with a unit, normalised.", params=True)
    add("link", cmd_link, "Stage link: region, period and kind of each figure; the targets.", params=True)
    p = add("tables", cmd_tables, "Stage tables: write the contracted output tables.", params=True)
    add_output(p, "directory the <table>.parquet outputs are written to (dvc.yaml uses outputs)")

    p = add("evaluate", cmd_evaluate, "Score output tables against gold annotations (docs/ANNOTATION.md).",
            work=False)
    p.add_argument("--gold", required=True, help="gold JSONL file (or directory of JSON files)")
    add_output(p, "directory of the output tables of a run (required)", old_name="--pred")
    p.add_argument("--metrics", help="also write the flat scores as JSON here (DVC metrics)")
    p.add_argument("--json", action="store_true", help="print the full result with per-article misses")
    p.add_argument("--errors", action="store_true",
                   help="print one line per error: article, table, kind of error, gold and predicted text and value, "
                        "the prediction's evidence")
    p.add_argument("--errors-out", metavar="FILE", help="also write the error listing here (.csv or .jsonl)")
    p.add_argument("--by-article", action="store_true", help="print each article's scores")
    p.add_argument("--plots", metavar="FILE", help="also write per-article scores as CSV here (DVC plots)")

    p = add("report", cmd_report, "Write a self-contained HTML review report of the tables in a directory.",
            work=False)
    add_output(p, "directory of the output tables of a run")
    p.add_argument("--gold", help="gold JSONL file: adds the accuracy scores and per-article misses")
    p.add_argument("--report-dir", help="where to write the report (default OUTPUT/report)")

    p = add("datadict", cmd_datadict, "Render the data dictionary page from pipeline/schema.py.", work=False)
    p.add_argument("--path", help="where the page is (default docs/DATA_DICTIONARY.md of the repository)")
    p.add_argument("--check", action="store_true", help="only check that the page is up to date")
    return parser


# --- running a command ------------------------------------------------------------------------------

# Errors that mean the options, paths or parameters (model included) cannot be used: exit 2; others exit 1.
_USAGE_ERRORS: tuple[type[BaseException], ...] = (UsageError, InputError, ConfigError)


def configure_logging(quiet: bool, verbose: bool) -> None:
    """Our log level; with -q, Dask's loggers too, in this process and the worker processes it starts."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if quiet:
        os.environ["DASK_LOGGING__DISTRIBUTED"] = "warning"  # read by the processes a local cluster starts
        for name in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.WARNING)
        if "dask" in sys.modules:
            import dask

            dask.config.set({"logging.distributed": "warning"})


def one_line(exc: BaseException) -> str:
    """What went wrong, on one line: our own errors as they are, others with their type."""
    text = " ".join(str(exc).split())
    if isinstance(exc, _USAGE_ERRORS):
        return text
    if isinstance(exc, OSError) and exc.strerror:
        target = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{target}"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.quiet, args.verbose)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure ends as one line (and a traceback with -v)
        if args.verbose:
            traceback.print_exc(file=sys.stderr)
        hint = "" if args.verbose else " (--verbose shows the traceback)"
        usage = isinstance(exc, _USAGE_ERRORS)
        print(f"error: {one_line(exc)}{'' if usage else hint}", file=sys.stderr)
        return 2 if usage else 1


if __name__ == "__main__":
    sys.exit(main())
