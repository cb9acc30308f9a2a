"""The README's pandas example, run as written on the seeds' output, gives the totals read off the articles."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def readme_example() -> str:
    """The Python block of the README's `The tables` section."""
    section = README.read_text(encoding="utf-8").split("## The tables", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture(scope="module")
def seed_outputs(tmp_path_factory) -> Path:
    """A directory holding `outputs/`: the tables of one run over seeds/."""
    from pipeline.cli import main

    home = tmp_path_factory.mktemp("analyst")
    assert main(["--quiet", "run", "--input", str(ROOT / "seeds"), "--output", str(home / "outputs"),
                 "--no-cache", "--params", str(ROOT / "params.yaml")]) == 0
    return home


# Read off the five seed articles by hand (role and region as the annotation guide assigns them):
USD_CNY_2021 = 6.4491  # IMF IFS yearly average yuan per US dollar, 2021 (rules/quantities/exchange_rates.yaml)
SEED_TOTALS = {
    ("632800", "revenue"): 20e6,                  # 000: Haixi, "no less than RMB 20 million"
    ("653100", "investment"): 615e6 + 3.53e9,     # 003: Kashgar prefecture, two investments
    ("653100", "revenue"): 3.52e6,                # 003: Kashgar, "3.52 million yuan"
    ("654004", "investment"): 5e9 + 22.865e9,     # 003: Horgos, planned and actual investment
    ("654004", "output_value"): 1.5e9,            # 003: Horgos, "1.5 billion yuan" output value
    # 003: Xinjiang, "355.287 billion yuan" and "6.4 billion USD" of investment abroad as of 2021
    ("650000", "investment"): 355.287e9 + 6.4e9 * USD_CNY_2021,
    # 004: Xining, contracts "31.6 billion yuan" in all, of which 16.7 and 14.9 billion: counted once
    ("630100", "contract_value"): 31.6e9,
}


def test_readme_example_sums_to_the_hand_computed_totals(seed_outputs):
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(seed_outputs)
    try:
        exec(compile(readme_example(), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    totals = {key: float(v) for key, v in namespace["money_cny"].items()}
    assert totals.keys() == SEED_TOTALS.keys()
    for key, expected in SEED_TOTALS.items():
        assert totals[key] == pytest.approx(expected, rel=1e-9), key
    targets = namespace["targets"]
    assert str(targets["start_year"].dtype) == "int32[pyarrow]"  # nullable years stay integers


def test_the_example_reads_nullable_integers_and_dates_with_their_types(seed_outputs):
    import pandas as pd

    money = pd.read_parquet(seed_outputs / "outputs" / "monetary.parquet", dtype_backend="pyarrow")
    assert str(money["converts"].dtype) == "int32[pyarrow]" and str(money["period_start"].dtype) == "date32[day][pyarrow]"
    assert str(money["is_conversion"].dtype) == "bool[pyarrow]"
