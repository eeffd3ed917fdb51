"""``python -m sim [overrides]``: run one scenario through Hydra;
``python -m sim -m [overrides]``: run a sweep (sim/study/sweep.py);
``python -m sim --help-params [GROUP]``: the parameter reference (docs/parameters.md).

Overrides are validated first (``sim.compose.loader``): a bad key, type, range or
preset, in any job of a sweep, fails with one line and exit code 2, before
Hydra makes a run folder. A sweep gets a folder derived from its command, so
running the same command again resumes it.
"""
from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from sim.compose import launchers
from sim.compose.cli import fail, pin
from sim.compose.conf_files import CONF_DIR
from sim.compose.loader import command_line, load_configs, load_run, or_exit, sweep_plan, to_config
from sim.compose.sanity import warn
from sim.compose.structured import register_configs
from sim.core.checks import TEXT, ConfigError
from sim.core.orphans import mark_parent, start_guardian
from sim.core.outdir import check_out_dir
from sim.i18n import Translator, set_language

_ = Translator("cli")

# the run's key results, as sim.output.labels names them, and how each value is written
KEY_RESULTS = (
    ("calls_total", "{:d}"), ("calls_served", "{:d}"), ("response_time_mean_min", "{:.2f}"),
    ("response_time_p90_min", "{:.2f}"), ("emergency_share_within_3min", "{:.1%}"), ("share_within_10min", "{:.1%}"),
    ("p_wait", "{:.1%}"), ("crimes_total", "{:d}"), ("crimes_reported", "{:d}"), ("utilization_officer", "{:.1%}"),
    ("utilization_auxiliary", "{:.1%}"), ("wall_seconds", "{:.2f}"),
)


def print_summary(summary: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.output.labels import metric_label

    table = Table(title=_("{days:g} simulated days -> {folder}").format(days=summary["sim_days"], folder=out_dir))
    table.add_column(_("result"))
    table.add_column(_("value"), justify="right")
    for key, fmt in KEY_RESULTS:
        value = summary.get(key)
        table.add_row(metric_label(key), _("n/a") if value is None else fmt.format(value))
    Console().print(table)


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_main(cfg) -> None:
    from sim.run_any import run_any

    config = or_exit(to_config, cfg)
    set_language(config.lang)  # this process's reports, figures and messages (a sweep's worker: its job's)
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:  # skip if done, record failures, never raise
        from sim.study.sweep import run_job

        return run_job(config, hc.runtime.output_dir, list(hc.overrides.task), hc.job.get("num"))
    summary = run_any(config, hc.runtime.output_dir, list(hc.overrides.task))  # a plain run or an exercise
    print_summary(summary, hc.runtime.output_dir)
    return None


def run_sweep(overrides: list[str]) -> int:
    """Check every job, fix the sweep folder, lock it, record which jobs are
    not done, and launch those through Hydra with a monitor watching the job
    folders; exit 1 if any job failed. Every invocation that got the lock gets
    its end record in sweep.json (a killed one: from the next invocation)."""
    from sim.study.sweep import Monitor, Sweep, default_sweep_dir, quiet_logging, shown
    from sim.study.sweep_lock import SweepLock

    plan = sweep_plan(overrides)
    if not plan.jobs:
        raise ConfigError("sweep", " ".join(overrides), _("has no jobs (an empty range or list?)"))
    configs = load_configs(plan.jobs)
    set_language(configs[0].lang)  # the sweep's own messages; each job sets its own (hydra_main)
    warn(configs)
    overwrite = all(c.sim.overwrite for c in configs)
    root = check_out_dir(plan.sweep_dir or default_sweep_dir(overrides), "hydra.sweep.dir", overwrite, kind="sweep")
    sweep = Sweep(root, plan.jobs, configs, plan.dirname)
    sweep.check_folders(overwrite)
    lock = SweepLock(root).acquire()
    try:
        sys.argv = pin(sys.argv, "hydra.sweep.dir", str(root)) + plan.extra_overrides  # literal: resolved once
        monitor = Monitor(sweep)
        to_run = [d for d, s in zip(sweep.dirnames, monitor.before) if s != "done"]
        sweep.write_manifest(sys.argv[1:], plan.launcher, plan.sweeper, to_run)
        sys.argv += quiet_logging(overrides)  # Hydra's per-job lines to each job's log, not the console
        print(_("sweep of {n} jobs -> {folder}").format(n=len(plan.jobs), folder=shown(root)), file=sys.stderr)
        if not to_run:
            print(_("all {n} jobs already done; nothing to run").format(n=len(plan.jobs)), file=sys.stderr)
            sweep.close_manifest(monitor.report())
            return 0
        for key, value in launchers.environment(plan.launcher).items():
            os.environ.setdefault(key, value)
        mark_parent()  # workers end if this process is killed (sim.core.orphans)
        start_guardian()  # ... and so does anything else it started (a local Ray cluster's agents)
        ended = "failed"
        try:
            with monitor, terminate_as_interrupt():
                register_configs()
                hydra_main()
            ended = "finished"
        except KeyboardInterrupt:
            ended = "interrupted"
            print(_("sweep interrupted; run the same command again to resume"), file=sys.stderr)
        except SystemExit as exc:  # Hydra has reported a launcher's error (a Ray cluster gone, ...) and exits
            if exc.code in (signal.SIGTERM, signal.SIGINT, 128 + signal.SIGTERM, 128 + signal.SIGINT):
                ended = "interrupted"  # Ray turns SIGTERM into sys.exit(15) with its own handler
            else:
                ended = f"failed: the launcher stopped (exit code {exc.code})"
        finally:
            counts = monitor.report()
            sweep.close_manifest(counts, ended)
        return 1 if counts["failed"] or counts["unfinished"] else 0
    finally:
        lock.release()


@contextmanager
def terminate_as_interrupt():
    """SIGTERM (a scheduler's stop, ``kill PID``) unwinds like Ctrl-C, so the
    end of the invocation is still recorded."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def help_params(args: list[str]) -> None:
    """``--help-params [GROUP]``: the parameter reference (docs/parameters.md) in the terminal."""
    from sim.compose.param_render import group_names, text

    names = group_names()
    for group in args:
        if group not in names:
            raise ConfigError("--help-params", group, _("no such group; allowed: {groups}")
                              .format(groups=", ".join(names)))
    sys.stdout.write("\n".join(text(group) for group in dict.fromkeys(args)) if args else text(None))


def help_params_args(argv: list[str]) -> list[str] | None:
    """The groups asked for when ``--help-params`` (or ``--help-params=GROUP``) is anywhere on the
    command line, else None: every other word must then be a group name."""
    for i, word in enumerate(argv):
        if word == "--help-params" or word.startswith("--help-params="):
            given = [word.partition("=")[2]] if "=" in word else []
            return [*given, *argv[:i], *argv[i + 1:]]
    return None


def main() -> None:
    try:
        groups = help_params_args(sys.argv[1:])
        if groups is not None:
            return help_params(groups)
        flags, overrides = command_line(sys.argv[1:])
        if set(flags) & {"-m", "--multirun"}:
            if set(flags) - {"-m", "--multirun"}:
                raise ConfigError(" ".join(flags), TEXT, _("-m runs a sweep; give it without other flags"))
            sys.argv = [sys.argv[0], "-m", *overrides]
            sys.exit(run_sweep(overrides))
        config, run_dir = load_run(overrides)  # checked before Hydra makes a folder
    except ConfigError as exc:
        fail(exc)
    set_language(config.lang)
    warn([config])
    sys.argv = [sys.argv[0], *flags, *pin(overrides, "hydra.run.dir", str(run_dir))]
    register_configs()
    hydra_main()


if __name__ == "__main__":
    main()
