"""Command line: `run` does every stage in one go; one subcommand per DVC stage; `evaluate`.

Stage subcommands read and write the intermediate tables of a work directory
(`outputs/work` in dvc.yaml), named after the table they hold.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import evaluate as evaluation
from .inputs import InputError, read_inputs
from .runner import Params
from .tableio import OutputFault, read_table, write_table

log = logging.getLogger("pipeline")

# Intermediate tables of the work directory: file stem -> schema name.
WORK_TABLES = {
    "articles": "articles", "sentences": "sentences", "tokens": "tokens", "regions": "regions",
    "figures": "quantities", "quantities": "quantities", "targets": "targets",
}


class UsageError(Exception):
    """Bad options or an unusable path: nothing could be done."""


def _work(args, name: str):
    return read_table(Path(args.work) / f"{name}.parquet")


def _save(args, df, name: str) -> None:
    write_table(df, WORK_TABLES[name], Path(args.work) / f"{name}.parquet")


def cmd_run(args) -> int:
    from . import engine

    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    if args.engine == "dask" and not args.scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (tcp://host:8786, or `local`)")
    if args.no_cache:
        cache_dir = None
    else:
        cache_dir = args.cache or engine.default_cache_dir(args.output)
    stats = engine.run(args.input, args.output, Params.load(args.params), engine=args.engine,
                       scheduler=args.scheduler, workers=args.workers, cache_dir=cache_dir, progress=not args.quiet)
    log.info("%s", stats.summary())
    return 0


def cmd_bench(args) -> int:
    from . import bench

    if min(args.n, args.workers, args.scale, args.repeat) < 1:
        raise UsageError("--n, --workers, --scale and --repeat must be at least 1")
    print(bench.report(bench.run(n=args.n, out_dir=args.out, workers=args.workers, params_path=args.params,
                                 scale=args.scale, repeat=args.repeat)))
    return 0


def cmd_clean(args) -> int:
    from . import clean

    _save(args, clean.run(read_inputs(args.input)), "articles")
    return 0


def cmd_segment(args) -> int:
    from . import segment
    from .nlp import load_model

    params = Params.load(args.params)
    sentences, tokens = segment.run(_work(args, "articles"), load_model(params.model), n_process=params.n_process)
    _save(args, sentences, "sentences")
    _save(args, tokens, "tokens")
    return 0


def cmd_ner(args) -> int:
    from . import ner

    _save(args, ner.run(_work(args, "articles"), _work(args, "tokens")), "regions")
    return 0


def cmd_quantities(args) -> int:
    from . import quantities

    _save(args, quantities.run(_work(args, "articles"), _work(args, "tokens")), "figures")
    return 0


def cmd_link(args) -> int:
    from . import link

    figures, targets = link.run(_work(args, "articles"), _work(args, "sentences"), _work(args, "tokens"),
                                _work(args, "regions"), _work(args, "figures"))
    _save(args, figures, "quantities")
    _save(args, targets, "targets")
    return 0


def cmd_tables(args) -> int:
    from . import tables

    result = tables.run(_work(args, "articles"), _work(args, "sentences"), _work(args, "regions"),
                        _work(args, "quantities"), _work(args, "targets"))
    tables.write_all(result, args.output)
    return 0


def cmd_evaluate(args) -> int:
    if not Path(args.gold).exists():
        raise UsageError(f"gold file does not exist: {args.gold}")
    if not Path(args.pred).is_dir():
        raise UsageError(f"prediction directory does not exist: {args.pred}")
    result = evaluation.score(args.gold, args.pred)
    if args.metrics:
        Path(args.metrics).parent.mkdir(parents=True, exist_ok=True)
        Path(args.metrics).write_text(json.dumps(evaluation.flat_metrics(result), indent=2, sort_keys=True) + "\n")
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    print(evaluation.summary(result))
    return 0


def cmd_report(args) -> int:
    from . import report

    if not (Path(args.output) / "articles.parquet").exists():
        raise UsageError(f"no articles.parquet in {args.output}: not the output directory of a run")
    if args.gold and not Path(args.gold).exists():
        raise UsageError(f"gold file does not exist: {args.gold}")
    print(report.build(args.output, gold=args.gold, report_dir=args.report_dir))
    return 0


def cmd_datadict(args) -> int:
    from . import datadict

    path = args.path or datadict.DOC_PATH
    if args.check:
        if not datadict.is_current(path):
            raise UsageError(f"{path} is out of date; regenerate it with `{datadict.REGENERATE}`")
        return 0
    print(datadict.write(path))
    return 0


class OneLineErrorParser(argparse.ArgumentParser):
    """Bad options end the run with one line that says why (SPEC §1), not a usage block."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog="python -m pipeline",
                                     description="Extract regions, figures and targets from news articles on "
                                                 "China's regional development into Parquet tables.")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineErrorParser)

    def add(name: str, func, help_: str, work: bool = True, params: bool = False):
        p = sub.add_parser(name, help=help_, description=help_)
        if work:
            p.add_argument("--work", default="outputs/work", help="directory of intermediate tables (default %(default)s)")
        if params:
            p.add_argument("--params", default="params.yaml", help="parameters file (default %(default)s)")
        p.set_defaults(func=func)
        return p

    p = add("run", cmd_run, "Run every stage over articles and write the output tables.", work=False, params=True)
    p.add_argument("--input", required=True, help="a directory of .txt/.html/.jsonl articles, or one such file")
    p.add_argument("--output", required=True, help="directory for <table>.parquet outputs")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: batches in this machine's processes; dask: partitions on a dask.distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786), or `local` to start a cluster on this machine")
    p.add_argument("--workers", type=int, default=1,
                   help="local engine: worker processes, each with its own model (default %(default)s)")
    p.add_argument("--cache", metavar="DIR",
                   help="per-article result cache (default: .pipeline-cache beside the output directory)")
    p.add_argument("--no-cache", action="store_true", help="process every article, read and write no cache")

    p = add("bench", cmd_bench, "Benchmark: throughput and peak memory against the bare spaCy model.",
            work=False, params=True)
    p.add_argument("--n", type=int, default=400, help="articles in the benchmark corpus (default %(default)s)")
    p.add_argument("--scale", type=int, default=4,
                   help="also run at SCALE x N, to show memory stays flat (default %(default)s; 1: N only)")
    p.add_argument("--repeat", type=int, default=3,
                   help="alternating runs of spaCy and the pipeline per size; the fastest of each count (default %(default)s)")
    p.add_argument("--out", default="outputs/bench", help="directory for the corpora and outputs (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="processes for both the pipeline and nlp.pipe (default %(default)s)")

    p = add("clean", cmd_clean, "Stage clean: read articles, strip page furniture, extract metadata.")
    p.add_argument("--input", required=True, help="a directory of articles, or one file")
    add("segment", cmd_segment, "Stage segment: sentences and the spaCy parse (tokens).", params=True)
    add("ner", cmd_ner, "Stage ner: region mentions with their codes.")
    add("quantities", cmd_quantities, "Stage quantities: every number with a unit, normalised.")
    add("link", cmd_link, "Stage link: region, period and kind of each figure; the targets.")
    p = add("tables", cmd_tables, "Stage tables: write the contracted output tables.")
    p.add_argument("--output", default="outputs", help="directory for <table>.parquet outputs (default %(default)s)")

    p = add("evaluate", cmd_evaluate, "Score output tables against gold annotations (SPEC §6).", work=False)
    p.add_argument("--gold", required=True, help="gold JSONL file (or directory of JSON files)")
    p.add_argument("--pred", required=True, help="directory holding the output tables")
    p.add_argument("--metrics", help="also write the flat scores as JSON here (DVC metrics)")
    p.add_argument("--json", action="store_true", help="print the full result with per-article misses")

    p = add("report", cmd_report, "Write a self-contained HTML review report of the tables in a directory.", work=False)
    p.add_argument("--output", required=True, help="directory holding the output tables")
    p.add_argument("--gold", help="gold JSONL file: adds the accuracy scores and per-article misses")
    p.add_argument("--report-dir", help="where to write the report (default OUTPUT/report)")

    p = add("datadict", cmd_datadict, "Render the data dictionary page from pipeline/schema.py.", work=False)
    p.add_argument("--path", help="where the page is (default docs/DATA_DICTIONARY.md of the repository)")
    p.add_argument("--check", action="store_true", help="only check that the page is up to date")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return args.func(args)
    except (UsageError, InputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OutputFault as exc:  # faults of the machine (issue 17): disk full, read-only, permission denied
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
