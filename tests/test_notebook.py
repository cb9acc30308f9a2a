"""The example notebook runs top to bottom on a run's output tables, in a kernel of this venv's Python."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from pipeline import schema

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "analyst_tour.ipynb"
KERNEL = "pipeline-venv"


def venv_kernel(tmp_path: Path, outputs: Path) -> KernelManager:
    """A kernel of this interpreter (not whatever `python3` kernelspec the user has), reading `outputs`."""
    spec_dir = tmp_path / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pipeline venv", "language": "python",
        "env": {"PIPELINE_OUTPUTS": str(outputs), "IPYTHONDIR": str(tmp_path / "ipython")},  # no user profile
    }))
    return KernelManager(kernel_name=KERNEL, connection_file=str(tmp_path / "connection.json"),
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))


def run_notebook(tmp_path: Path, outputs: Path, probe: str) -> tuple[nbformat.NotebookNode, dict]:
    """Execute the notebook, then `probe` (code printing one JSON object); return the notebook and that object."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    km = venv_kernel(tmp_path, outputs)
    NotebookClient(nb, km=km, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return nb, json.loads(printed)


PROBE = """import json, sys
print(json.dumps({
    "python": sys.executable,
    "outputs": str(OUTPUTS),
    "money_provinces": sorted(money_by_province.index.get_level_values("province")),
    "money_total": float(money_by_province["total"].sum()),
    "targets_by_indicator": {k: int(v) for k, v in targets_by_indicator["targets"].items()},
}))"""


def test_notebook_answers_the_questions_on_the_seed_and_dev_outputs(tmp_path, corpus_outputs):
    nb, probe = run_notebook(tmp_path, corpus_outputs, PROBE)
    assert probe["python"] == sys.executable and probe["outputs"] == str(corpus_outputs)

    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2, "one chart for money by province, one for targets by indicator"

    money = pd.read_parquet(corpus_outputs / "monetary.parquet")
    money = money[money["role"].isin(["investment", "contract_value"])]
    if money.empty:
        assert probe["money_total"] == 0
    else:
        # in yuan, each amount once: no conversion, headline repeat or part of a stated total; one row per
        # figure and province (the province of a six-digit code is its first two digits)
        once = money[~(money["is_conversion"] | money["in_title"] | money["part_of"].notna())]
        province = once["region_id"].map(lambda r: r[:2] + "0000" if isinstance(r, str) and r.isdigit() else r)
        once = once.assign(province=province).drop_duplicates(["article_id", "quantity_id", "province"])
        assert probe["money_total"] == pytest.approx(once["amount_cny"].sum(), rel=1e-9)
        # every six-digit region falls in its province (the first two digits), named or coded
        regions = pd.read_parquet(corpus_outputs / "regions.parquet")
        names = dict(zip(regions["region_id"], regions["name"]))
        for rid in money["region_id"].dropna():
            if rid.isdigit():
                assert names.get(rid[:2] + "0000", rid[:2] + "0000") in probe["money_provinces"]

    targets = pd.read_parquet(corpus_outputs / "targets.parquet")
    assert sum(probe["targets_by_indicator"].values()) == len(targets)
    assert set(probe["targets_by_indicator"]) <= set(schema.VOCABULARIES["targets.indicator"])


def test_notebook_runs_on_tables_without_money_or_targets(tmp_path):
    from pipeline.tables import write_all

    outputs = tmp_path / "outputs"
    write_all({"articles": pd.DataFrame([{"article_id": "x", "status": "failed", "error": "unreadable"}])}, outputs)
    nb, probe = run_notebook(tmp_path, outputs, PROBE)
    assert probe["money_total"] == 0 and probe["targets_by_indicator"] == {}
