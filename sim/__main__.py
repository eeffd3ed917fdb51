"""``python -m sim [overrides]``: run one scenario through Hydra;
``python -m sim -m [overrides]``: run a sweep (sim/sweep.py).

Overrides are validated first (``sim.compose``): a bad key, type, range or
preset, in any job of a sweep, fails with one line and exit code 2, before
Hydra makes a run folder. A sweep gets a folder derived from its command, so
running the same command again resumes it.
"""
from __future__ import annotations

import os
import sys


import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from sim.compose import CONF_DIR, load_config, load_configs, or_exit, sweep_plan
from sim.config import ConfigError, register_configs, to_config

KEY_RESULTS = (
    ("calls_total", "calls", "{:d}"), ("calls_served", "served", "{:d}"),
    ("response_time_mean_min", "response mean (min)", "{:.2f}"),
    ("response_time_p90_min", "response p90 (min)", "{:.2f}"),
    ("emergency_share_within_3min", "priority-1 within 3 min", "{:.1%}"),
    ("share_within_10min", "all calls within 10 min", "{:.1%}"),
    ("p_wait", "calls that waited for a unit", "{:.1%}"),
    ("crimes_total", "crimes", "{:d}"), ("crimes_reported", "crimes reported", "{:d}"),
    ("utilization_officer", "officer utilisation", "{:.1%}"),
    ("utilization_auxiliary", "auxiliary utilisation", "{:.1%}"),
    ("wall_seconds", "wall time (s)", "{:.2f}"),
)


def print_summary(summary: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary['sim_days']:g} simulated days -> {out_dir}")
    table.add_column("result")
    table.add_column("value", justify="right")
    for key, label, fmt in KEY_RESULTS:
        value = summary.get(key)
        table.add_row(label, "n/a" if value is None else fmt.format(value))
    Console().print(table)


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_main(cfg) -> None:
    from sim.run import run_scenario

    config = or_exit(to_config, cfg)
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:  # skip if done, record failures, never raise
        from sim.sweep import run_job

        return run_job(config, hc.runtime.output_dir, list(hc.overrides.task))
    summary = run_scenario(config, hc.runtime.output_dir, list(hc.overrides.task))
    print_summary(summary, hc.runtime.output_dir)
    return None


def run_sweep(overrides: list[str]) -> int:
    """Check every job, fix the sweep folder, record which jobs are not done,
    and launch those through Hydra with a monitor watching the job folders;
    exit 1 if any job failed."""
    from sim.sweep import Monitor, Sweep, default_sweep_dir, shown

    plan = sweep_plan(overrides)
    configs = load_configs(plan.jobs)
    root = plan.sweep_dir or default_sweep_dir(overrides).resolve()
    sweep = Sweep(root, plan.jobs, configs, plan.dirname)
    sys.argv = [a for a in sys.argv if not a.lstrip("+").startswith("hydra.sweep.dir=")]
    sys.argv += [f"hydra.sweep.dir={root}"] + plan.extra_overrides  # literal: Hydra resolves nothing twice
    monitor = Monitor(sweep)
    to_run = [d for d, s in zip(sweep.dirnames, monitor.before) if s != "done"]
    sweep.write_manifest(sys.argv[1:], plan.launcher, plan.sweeper, to_run)
    print(f"sweep of {len(plan.jobs)} jobs -> {shown(root)}", file=sys.stderr)
    if not to_run:
        print(f"all {len(plan.jobs)} jobs already done; nothing to run", file=sys.stderr)
        sweep.close_manifest(monitor.report())
        return 0
    if plan.launcher.endswith("RayLauncher"):  # ../shared/STACK.md: no auth token locally, every worker's log line
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    try:
        with monitor:
            register_configs()
            hydra_main()
    finally:
        counts = monitor.report()
        sweep.close_manifest(counts)
    return 1 if counts["failed"] or counts["unfinished"] else 0


def main() -> None:
    args = sys.argv[1:]
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if not a.startswith("-")]
    multirun = bool(flags) and set(flags) <= {"-m", "--multirun"}
    try:
        if multirun:
            sys.exit(run_sweep(overrides))
        if not flags:  # plain single run: check before Hydra makes a run folder
            load_config(overrides)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)
    register_configs()
    hydra_main()


if __name__ == "__main__":
    main()
