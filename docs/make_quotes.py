"""``./dev docs``: the README's model results from real runs, and docs/parameters.md.

Each block runs the commands behind some README figures (into runs/docs/BLOCK/,
made afresh), formats the figures and stores them in docs/quotes.json; then the
README's marked places are rewritten from them:

- inline: ``<!-- q:KEY -->0.37<!-- /q -->`` holds quotes.json's text for KEY;
- a table: ``<!-- quote:NAME -->`` ... ``<!-- /quote:NAME -->`` holds TEMPLATES[NAME]
  filled in (edit the table's words in TEMPLATES, not in the README).

tests/test_readme_quotes.py checks, without running anything, that the README
holds exactly what quotes.json and the templates give and that every figure in
quotes.json is quoted. Where a figure's direction is written in words ("raises",
"fewer"), ``expect`` stops the script when the runs say otherwise: rewrite the
sentence then.

    python docs/make_quotes.py                 # every block, then the README and docs/parameters.md
    python docs/make_quotes.py --only plausibility
    python docs/make_quotes.py --render        # no runs: the README from quotes.json as it is
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
QUOTES = ROOT / "docs" / "quotes.json"
RUNS = ROOT / "runs" / "docs"

INLINE = re.compile(r"<!-- q:([a-z0-9_]+) -->(.*?)<!-- /q -->", re.S)
BLOCK = re.compile(r"(<!-- quote:([a-z0-9_]+)[^>]*-->\n)(.*?)(<!-- /quote:\2 -->)", re.S)


class SignChanged(RuntimeError):
    """A figure's direction is no longer what the README's words say."""


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise SignChanged(f"{what}: the README's sentence says otherwise; rewrite it, then run ./dev docs again")


# --- running ------------------------------------------------------------------------------------

def _run(log, *args: str) -> None:
    print("  $ python -m " + " ".join(args), file=log, flush=True)
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=True, stdout=log, stderr=subprocess.STDOUT)


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)  # only runs/docs/, which this script makes
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def sweep(log, name: str, overrides: list[str], baseline: list[str], metrics: list[str]) -> Path:
    """Run a sweep into runs/docs/NAME and compare it; the compare folder."""
    folder = _fresh(RUNS / name)
    _run(log, "sim", "-m", *overrides, f"hydra.sweep.dir={folder}")
    _run(log, "sim.compare", str(folder), *(["--baseline", *baseline] if baseline else []),
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


# --- the blocks ---------------------------------------------------------------------------------

PLAUS_DISTRICTS = ("urban_core", "rural_mountain", "city")


def plausibility(log) -> dict[str, str]:
    """One simulated year of each preset (## Plausibility)."""
    import pandas as pd

    out: dict[str, str] = {}
    p1_in_3 = []
    for d in PLAUS_DISTRICTS:
        folder = _fresh(RUNS / "plausibility" / d)
        _run(log, "sim", f"district={d}", "sim.days=365", "sim.plots=false", f"hydra.run.dir={folder}")
        s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        calls = pd.read_parquet(folder / "calls.parquet", columns=["priority", "response_min"])
        years, k = s["sim_days"] / 365.0, 1000.0 / s["residents"]
        out[f"pl_{d}_calls"] = f"{s['calls_total'] * k / years:.0f}"
        out[f"pl_{d}_crimes"] = f"{s['crimes_total'] * k / years:.1f}"
        out[f"pl_{d}_crimes_reported"] = f"{s['crimes_reported'] * k / years:.1f}"
        out[f"pl_{d}_disputes"] = f"{s['disputes_total'] / s['offices'] / years:.0f}"
        out[f"pl_{d}_cost_office"] = f"{s['cost_per_office_kyuan_per_year']:.0f}"
        out[f"pl_{d}_cost_resident"] = f"{s['cost_per_resident_yuan_per_year']:.0f}"
        for p in (1, 2, 3, 4):
            r = calls.loc[calls.priority == p, "response_min"]
            shares = ", ".join(f"{(r <= t).sum() / len(r):.0%}" for t in (3, 8, 10))
            out[f"pl_{d}_p{p}"] = f"{s[f'response_time_mean_min_p{p}']:.1f} ({shares})"
        out[f"pl_{d}_tiers"] = f"{s['tier_share_office']:.1%} / {s['tier_share_station']:.1%}"
        out[f"pl_{d}_station_mean"] = f"{s['station_response_time_mean_min']:.1f}"
        out[f"pl_{d}_util_officer"] = f"{s['utilization_officer']:.0%}"
        if d != "rural_mountain":
            p1_in_3.append(s["emergency_share_within_3min"])
    out["pl_town_p1_within_3"] = f"{min(p1_in_3):.0%}-{max(p1_in_3):.0%}".replace("%-", "-")
    return out


SS_BASE = "staffing.mix=3+5+4, policy=fixed_post"
SS_METRICS = ["response_time_mean_min", "response_time_mean_min_p1", "emergency_share_within_3min",
              "share_within_8min", "tier_share_station"]


def staffing_sweep(log) -> dict[str, str]:
    """The researcher's walk-through, step 4: the staffing sweep with two policies."""
    c = Compared(sweep(log, "staffing_sweep", ["+experiment=staffing_sweep", "policy=fixed_post,random_patrol"],
                       ["policy=fixed_post", "staffing.mix=3+5+4"], SS_METRICS), SS_BASE)
    out: dict[str, str] = {}
    shenzhen, patrol = "staffing.mix=1+8+0, policy=fixed_post", "staffing.mix=3+5+4, policy=random_patrol"
    d = c.diff_row(shenzhen, "response_time_mean_min")
    expect(d.mean_diff > 0, "1+8+0 raises the mean response time")
    out |= {"ss_180_mean": f2(d.mean_diff), "ss_180_mean_lo": f2(d.ci_low), "ss_180_mean_hi": f2(d.ci_high)}
    st, st0 = c.mean(shenzhen, "tier_share_station"), c.mean(SS_BASE, "tier_share_station")
    expect(st > st0, "the station leads more calls under 1+8+0")
    out |= {"ss_180_station": f"{st:.1%}", "ss_base_station": f"{st0:.1%}"}
    d = c.diff_row(shenzhen, "response_time_mean_min_p1")
    expect(d.mean_diff > 0, "1+8+0 raises priority 1's mean")
    out |= {"ss_180_p1": f2(d.mean_diff), "ss_180_p1_lo": f2(d.ci_low), "ss_180_p1_hi": f2(d.ci_high)}
    d = c.diff_row(shenzhen, "emergency_share_within_3min")
    expect(d.mean_diff < 0, "1+8+0 reaches fewer priority-1 calls within 3 minutes")
    out |= {"ss_180_p1_3": pts(-d.mean_diff), "ss_180_p1_3_lo": pts(-d.ci_high), "ss_180_p1_3_hi": pts(-d.ci_low)}
    d = c.diff_row(patrol, "response_time_mean_min")
    expect(d.mean_diff > 0 and d.ci_low > 0 and d.welch_ci_low < 0 < d.welch_ci_high,
           "patrolling adds to the mean (paired interval above 0, Welch's around 0)")
    width = (d.welch_ci_high - d.welch_ci_low) / (d.ci_high - d.ci_low)
    out |= {"ss_patrol_mean": f2(d.mean_diff), "ss_patrol_mean_lo": f2(d.ci_low), "ss_patrol_mean_hi": f2(d.ci_high),
            "ss_patrol_welch_lo": f2(d.welch_ci_low), "ss_patrol_welch_hi": f2(d.welch_ci_high),
            "ss_patrol_welch_width": f"{width:.1f}"}
    d = c.diff_row(patrol, "share_within_8min")
    expect(d.mean_diff < 0, "patrolling cuts calls reached within 8 minutes")
    out |= {"ss_patrol_8": pts(-d.mean_diff), "ss_patrol_8_lo": pts(-d.ci_high), "ss_patrol_8_hi": pts(-d.ci_low)}
    return out


NVR_METRICS = ["response_time_mean_min", "emergency_share_within_3min", "utilization_officer", "crimes_total",
               "tier_share_station"]


def norm_vs_reality(log) -> dict[str, str]:
    """The researcher's walk-through, step 4: the ministry norm against seed 004's staffing."""
    base, real = "staffing=ministry_norm", "staffing=seed004_urban"
    c = Compared(sweep(log, "norm_vs_reality", ["+experiment=norm_vs_reality"], [base], NVR_METRICS), base)
    out: dict[str, str] = {}
    d = c.diff_row(real, "response_time_mean_min")
    expect(d.mean_diff > 0, "understaffing adds to the mean response")
    out |= {"nvr_mean": f2(d.mean_diff), "nvr_mean_lo": f2(d.ci_low), "nvr_mean_hi": f2(d.ci_high)}
    d = c.diff_row(real, "emergency_share_within_3min")
    expect(d.mean_diff < 0, "understaffing cuts priority-1 calls reached within 3 minutes")
    out |= {"nvr_p1_3": pts(-d.mean_diff), "nvr_p1_3_lo": pts(-d.ci_high), "nvr_p1_3_hi": pts(-d.ci_low)}
    d = c.diff_row(real, "utilization_officer")
    expect(d.mean_diff > 0, "understaffing raises officer utilisation")
    out["nvr_util"] = pts(d.mean_diff)
    d = c.diff_row(real, "crimes_total")  # 28-day runs: a month
    expect(d.mean_diff > 0, "understaffing raises crime")
    out |= {"nvr_crime": f"{d.mean_diff:.1f}", "nvr_crime_lo": f"{d.ci_low:.1f}", "nvr_crime_hi": f"{d.ci_high:.1f}"}
    st, st0 = c.mean(real, "tier_share_station"), c.mean(base, "tier_share_station")
    expect(st > st0, "the station leads more calls when the office is understaffed")
    out |= {"nvr_station": f"{st:.1%}", "nvr_base_station": f"{st0:.1%}"}
    return out


def sensitivity(log) -> dict[str, str]:
    """The researcher's walk-through, step 5: Morris screening on urban_core."""
    import pandas as pd

    folder = sweep(log, "sensitivity", ["+experiment=sensitivity"], [], ["response_time_mean_min", "crimes_total"])
    s = pd.read_parquet(folder / "sensitivity.parquet").set_index(["metric", "parameter"])

    def ranked(metric: str) -> list[str]:
        return list(s.loc[metric].sort_values("mu_star", ascending=False).index)

    expect(ranked("response_time_mean_min")[0] == "scale.travel_speed_factor", "travel speed ranks first for response")
    expect(ranked("crimes_total")[:3] == ["scale.call_rate_factor", "crime.deterrence_per_guardian",
                                          "scale.report_prob_factor"],
           "crime counts rank call rate, deterrence, reporting")

    def mu_star(metric: str, parameter: str) -> float:
        return float(s.loc[(metric, parameter), "mu_star"])

    return {"sens_travel_mean": f"{mu_star('response_time_mean_min', 'scale.travel_speed_factor'):.1f}",
            "sens_rate_mean": f2(mu_star("response_time_mean_min", "scale.call_rate_factor")),
            "sens_rate_crimes": f"{mu_star('crimes_total', 'scale.call_rate_factor'):.0f}",
            "sens_deter_crimes": f"{mu_star('crimes_total', 'crime.deterrence_per_guardian'):.0f}",
            "sens_report_crimes": f"{mu_star('crimes_total', 'scale.report_prob_factor'):.0f}"}


BLOCKS = {"plausibility": plausibility, "staffing_sweep": staffing_sweep, "norm_vs_reality": norm_vs_reality,
          "sensitivity": sensitivity}

# --- the README's tables ------------------------------------------------------------------------

TEMPLATES = {
    "plausibility_volumes": """\
| | urban_core | rural_mountain | city | published (source) |
|---|---|---|---|---|
| calls per 1,000 residents a year | {pl_urban_core_calls} | {pl_rural_mountain_calls} | {pl_city_calls} | Huainan 2012: 268,007 valid 110 calls for 2.456 M residents = 109 (DOMAIN §7 divides by 3.4 M, today's boundary: Shou County joined in 2015); rural lower: `district.call_rate_factor` 0.6 (Ankang, a mountain prefecture, about 70) |
| crimes per 1,000 a year (reported) | {pl_urban_core_crimes} ({pl_urban_core_crimes_reported}) | {pl_rural_mountain_crimes} ({pl_rural_mountain_crimes_reported}) | {pl_city_crimes} ({pl_city_crimes_reported}) | Huainan 2012: 3.7 criminal and 7.0 public-order cases per 1,000 reached 110; unreported crime is not in those figures; rural `district.crime_rate_factor` 0.5 (assumption: fewer shops and strangers) |
| disputes per office a year | {pl_urban_core_disputes} | {pl_rural_mountain_disputes} | {pl_city_disputes} | 23 (national mean settled through offices, seed 003 §1.4) to 320 (a best-practice office with a volunteer alliance, §5.1); Huainan: 5.2 dispute calls per 1,000 (the default `calls.dispute` rate) |
| cost per office (k yuan a year) | {pl_urban_core_cost_office} | {pl_rural_mountain_cost_office} | {pl_city_cost_office} | 300-500 including staff (seed 003 §5.3); the window clerk is a sixth auxiliary |
| cost per resident (yuan a year), with the station's share | {pl_urban_core_cost_resident} | {pl_rural_mountain_cost_resident} | {pl_city_cost_resident} | no published figure; one office per 50,000 people (seed 003 §2.1) at 400 k is 8 yuan for the office alone |
""",
    "plausibility_priorities": """\
| district | priority 1 | priority 2 | priority 3 | priority 4 | led by office / station |
|---|---|---|---|---|---|
| urban_core | {pl_urban_core_p1} | {pl_urban_core_p2} | {pl_urban_core_p3} | {pl_urban_core_p4} | {pl_urban_core_tiers} |
| rural_mountain | {pl_rural_mountain_p1} | {pl_rural_mountain_p2} | {pl_rural_mountain_p3} | {pl_rural_mountain_p4} | {pl_rural_mountain_tiers} |
| city | {pl_city_p1} | {pl_city_p2} | {pl_city_p3} | {pl_city_p4} | {pl_city_tiers} |
""",
}


def template_keys(name: str) -> set[str]:
    return set(re.findall(r"\{([a-z0-9_]+)\}", TEMPLATES[name]))


def render(readme: str, values: dict[str, str]) -> str:
    """The README with every marked place filled from ``values``; KeyError names a missing figure."""
    def inline(m):
        if m.group(1) not in values:
            raise KeyError(f"README quotes {m.group(1)!r}, which docs/quotes.json does not hold")
        return f"<!-- q:{m.group(1)} -->{values[m.group(1)]}<!-- /q -->"

    def block(m):
        return m.group(1) + TEMPLATES[m.group(2)].format_map(values) + m.group(4)

    return BLOCK.sub(block, INLINE.sub(inline, readme))


def used_keys(readme: str) -> set[str]:
    keys = {m.group(1) for m in INLINE.finditer(readme)}
    for m in BLOCK.finditer(readme):
        keys |= template_keys(m.group(2))
    return keys


def all_values(quotes: dict) -> dict[str, str]:
    return {k: v for block in quotes["blocks"].values() for k, v in block["values"].items()}


# --- the command ----------------------------------------------------------------------------------

def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return ""


def _write(path: Path, text: str) -> None:
    sys.path.insert(0, str(ROOT))
    from sim.core.outdir import write_atomic

    with write_atomic(path) as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(BLOCKS), help="run these blocks only (others keep "
                                                                           "their figures in quotes.json)")
    parser.add_argument("--render", action="store_true", help="run nothing: rewrite the README from quotes.json")
    args = parser.parse_args(argv)
    quotes = json.loads(QUOTES.read_text(encoding="utf-8")) if QUOTES.exists() else {"blocks": {}}
    todo = [] if args.render else (args.only or list(BLOCKS))
    RUNS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(RUNS / "make_quotes.log", "w", encoding="utf-8") as log:
        for name in todo:
            print(f"{name}: running (log: {(RUNS / 'make_quotes.log').relative_to(ROOT)})", file=sys.stderr)
            t0 = time.monotonic()
            try:
                values = BLOCKS[name](log)
            except (subprocess.CalledProcessError, SignChanged) as exc:
                print(f"error: {name}: {exc} (log: runs/docs/make_quotes.log)", file=sys.stderr)
                return 1
            quotes["blocks"][name] = {"what": BLOCKS[name].__doc__, "seconds": round(time.monotonic() - t0, 1),
                                      "generated_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
                                      "git_commit": _git_commit(), "values": values}
            print(f"{name}: {len(values)} figures in {time.monotonic() - t0:.0f} s", file=sys.stderr)
            _write(QUOTES, json.dumps(quotes, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    readme = README.read_text(encoding="utf-8")
    new = render(readme, all_values(quotes))
    if new != readme:
        _write(README, new)
    unused = set(all_values(quotes)) - used_keys(new)
    if unused:
        print(f"warning: figures in docs/quotes.json the README does not quote: {sorted(unused)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "sim.compose.param_render", str(ROOT)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"README.md, docs/quotes.json, docs/parameters.md written ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
