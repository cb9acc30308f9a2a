"""dvc.yaml's code dependencies match the import graph: a stage whose module imports a file that
the stage does not list would stay "up to date" after that file changed (as the data dictionary
is guarded by tests/test_datadict.py)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
# The entry point every `python -m pipeline <stage>` command runs through.
ENTRY = ("pipeline/__init__.py", "pipeline/__main__.py", "pipeline/cli.py")


def module_file(dotted: str) -> Path | None:
    """The file of a `pipeline.x.y` module (a package's __init__.py), None outside the package."""
    parts = dotted.split(".")
    if parts[0] != "pipeline":
        return None
    base = ROOT.joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _package_of(path: Path) -> str:
    """The package a module's relative imports start from (a package's own for its __init__.py)."""
    return ".".join(path.relative_to(ROOT).parts[:-1])


def imported_files(nodes, path: Path) -> set[Path]:
    """Project files named by the import statements among `nodes` of the module at `path`
    (each package on the way included: importing `pipeline.a.b` runs `pipeline/a/__init__.py`)."""
    package = _package_of(path)
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            names.append(base)
            names += [f"{base}.{a.name}" for a in node.names]  # `from . import x` names module x
    found = set()
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            f = module_file(".".join(parts[:i]))
            if f is not None:
                found.add(f)
    return found


def closure(files: set[Path], parsed: frozenset[Path] = frozenset(), inside_functions: bool = True) -> set[Path]:
    """Every project file the given ones import, directly or not (imports inside functions count unless
    `inside_functions` is false), the files in `parsed` taken as already followed."""
    seen: set[Path] = set(parsed)
    todo = list(files)
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        tree = ast.parse(f.read_text(encoding="utf-8"))
        todo += imported_files(ast.walk(tree) if inside_functions else tree.body, f)
    return seen


def stage_code(stage: str, entry: bool = True) -> set[str]:
    """The files `python -m pipeline <stage>` runs: what the stage's command function `cmd_<stage>`
    imports and, with `entry`, the entry point with cli.py's module-level imports. Without `entry`,
    only what the command's modules import when loaded (what its code surely runs)."""
    cli = PACKAGE / "cli.py"
    tree = ast.parse(cli.read_text(encoding="utf-8"))
    command = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == f"cmd_{stage}")
    start = imported_files(ast.walk(command), cli)
    used = {n.id for n in ast.walk(command) if isinstance(n, ast.Name)}
    for node in tree.body:  # modules the CLI imports at the top and the command uses (`evaluation.run`)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
            start |= {f for a in node.names if (a.asname or a.name) in used
                      for f in [module_file(f"pipeline.{a.name}")] if f is not None}
    if entry:
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        start |= {ROOT / e for e in ENTRY} | imported_files(top, cli)
    return {str(f.relative_to(ROOT)) for f in closure(start - {cli}, parsed=frozenset({cli}), inside_functions=entry)}


PIPELINE_STAGES = [name for name, stage in STAGES.items() if stage["cmd"].startswith("python -m pipeline ")]


def listed_code(stage: str) -> list[str]:
    return [d for d in STAGES[stage].get("deps", []) if d.startswith("pipeline/")]


def covers(dep: str, path: str) -> bool:
    return path == dep or path.startswith(dep.rstrip("/") + "/")


@pytest.mark.parametrize("stage", PIPELINE_STAGES)
def test_stage_lists_every_file_its_code_imports(stage):
    listed = listed_code(stage)
    missing = sorted(f for f in stage_code(stage) if not any(covers(d, f) for d in listed))
    assert not missing, f"dvc.yaml stage {stage!r} lacks deps: {missing}"


@pytest.mark.parametrize("stage", PIPELINE_STAGES)
def test_stage_lists_no_file_its_code_does_not_import(stage):
    code = stage_code(stage)
    stale = [d for d in listed_code(stage) if not any(covers(d, f) for f in code)]
    assert not stale, f"dvc.yaml stage {stage!r} lists code it does not run: {stale}"


# A rules path written in the code: `"clean/dates.yaml"`, `f"quantities/{name}.yaml"` (a whole directory).
RULES_PATH = re.compile(r"""["'](clean|gazetteer|link|quantities)/([\w.{}]*)""")


def rules_read(stage: str) -> set[str]:
    """The rules files and directories the code of the stage's command names (the CLI's own imports,
    such as the evaluator's gazetteer, are loaded but not run by other stages)."""
    found = set()
    for f in stage_code(stage, entry=False):
        for top, name in RULES_PATH.findall((ROOT / f).read_text(encoding="utf-8")):
            found.add(f"rules/{top}" if not name or "{" in name else f"rules/{top}/{name}")
    return found


@pytest.mark.parametrize("stage", PIPELINE_STAGES)
def test_stage_lists_the_rules_its_code_reads(stage):
    listed = [d for d in STAGES[stage].get("deps", []) if d.startswith("rules/")]
    missing = sorted(r for r in rules_read(stage) if not any(covers(d, r) for d in listed))
    assert not missing, f"dvc.yaml stage {stage!r} lacks rules deps: {missing}"


def test_every_pipeline_stage_is_checked():
    assert {"clean", "segment", "ner", "quantities", "link", "tables", "evaluate"} <= set(PIPELINE_STAGES)


def test_import_graph_follows_relative_and_function_level_imports():
    code = stage_code("ner")
    assert {"pipeline/ner.py", "pipeline/gazetteer.py", "pipeline/rules.py", "pipeline/cli.py"} <= code
    assert "pipeline/quantities.py" not in code
