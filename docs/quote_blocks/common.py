"""What every block of ``./dev docs`` shares: running the model, reading a sweep's comparison,
formatting figures, and stopping when a figure's direction contradicts the README's words."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "runs" / "docs"


class SignChanged(RuntimeError):
    """A figure's direction is no longer what the README's words say."""


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise SignChanged(f"{what}: the runs say otherwise; rewrite the README's sentence and this expect, "
                          "then ./dev docs --only BLOCK --reuse")


# --- running ------------------------------------------------------------------------------------

def run(log, *args: str) -> None:
    print("  $ python -m " + " ".join(args), file=log, flush=True)
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=True, stdout=log, stderr=subprocess.STDOUT)


REUSE = False  # --reuse: keep finished runs of runs/docs/ (a block's wording changed, not the model)


def fresh(path: Path) -> Path:
    """An empty folder for a block's run (kept as it is with --reuse: a finished run is then skipped,
    a sweep resumes)."""
    if path.exists() and not REUSE:
        shutil.rmtree(path)  # only runs/docs/, which this script makes
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def sweep(log, name: str, overrides: list[str], baseline: list[str], metrics: list[str]) -> Path:
    """Run a sweep into runs/docs/NAME and compare it; the compare folder."""
    folder = fresh(RUNS / name)
    run(log, "sim", "-m", *overrides, f"hydra.sweep.dir={folder}")
    run(log, "sim.compare", str(folder), *(["--baseline", *baseline] if baseline else []),
         "--metrics", ",".join(metrics))
    return folder / "compare"


class Compared:
    """A sweep's comparison tables, by configuration label."""

    def __init__(self, compare_dir: Path, baseline: str):
        import pandas as pd

        self.conf = pd.read_parquet(compare_dir / "configurations.parquet")
        self.diff = pd.read_parquet(compare_dir / "differences.parquet")
        self.baseline = baseline

    def mean(self, config: str, metric: str) -> float:
        row = self.conf[(self.conf.config == config) & (self.conf.metric == metric)]
        return float(row["mean"].iloc[0])

    def diff_row(self, config: str, metric: str):
        d = self.diff[(self.diff.config == config) & (self.diff.baseline == self.baseline) & (self.diff.metric == metric)]
        if len(d) != 1:
            raise RuntimeError(f"no paired difference for {config} / {metric} against {self.baseline}")
        return d.iloc[0]


def f2(x: float) -> str:
    return f"{x:.2f}"


def pts(x: float) -> str:
    """A difference of shares as percentage points."""
    return f"{x * 100:.1f}"


def difference(key: str, d, fmt=f2) -> dict[str, str]:
    """A paired difference and its 95% interval (a row of differences.parquet) as KEY, KEY_lo, KEY_hi."""
    return {key: fmt(d.mean_diff), f"{key}_lo": fmt(d.ci_low), f"{key}_hi": fmt(d.ci_high)}


def fewer_points(key: str, d) -> dict[str, str]:
    """A share's fall as positive percentage points with its interval ("17.2 points fewer, 11.4 to 22.9")."""
    return {key: pts(-d.mean_diff), f"{key}_lo": pts(-d.ci_high), f"{key}_hi": pts(-d.ci_low)}

