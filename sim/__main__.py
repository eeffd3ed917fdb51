"""``python -m sim [overrides]``: run one scenario through Hydra.

Overrides are validated first (``sim.compose``): a bad key, type, range or
preset fails with one line and exit code 2, before Hydra makes a run folder.
"""
from __future__ import annotations

import sys

import hydra
from hydra.core.hydra_config import HydraConfig

from sim.compose import CONF_DIR, load_config, sweep_jobs
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

    try:
        config = to_config(cfg)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)
    hc = HydraConfig.get()
    summary = run_scenario(config, hc.runtime.output_dir, list(hc.overrides.task))
    print_summary(summary, hc.runtime.output_dir)


def main() -> None:
    args = sys.argv[1:]
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if not a.startswith("-")]
    try:
        if not flags:  # plain single run: check before Hydra makes a run folder
            load_config(overrides)
        elif set(flags) <= {"-m", "--multirun"}:  # a sweep: check every job first
            for job in sweep_jobs(overrides):
                load_config(job)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)
    register_configs()
    hydra_main()


if __name__ == "__main__":
    main()
