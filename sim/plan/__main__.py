"""``python -m sim.plan [overrides]``: plan the staffing of a district.

Takes the same config as ``python -m sim`` (district, staffing = today's,
policy, ...) plus ``target.*`` and ``plan.*``, and writes ``plan.json``,
``plan.md``, ``plan.xlsx``, ``staffing_curve.png`` (with ``plan.curve``) and ``gap.png`` to
``hydra.run.dir`` (default ``runs/plan/DATE/TIME``); with
``plan.tier=station``, the station's patrol cars instead (``plan.json``,
``plan.md``, ``plan.xlsx``, ``station_curve.png``). Bad overrides fail with
one line and exit code 2 before any folder is made.

``python -m sim.plan -m key=a,b ...``: several plans, one job folder each
under the sweep folder (``hydra.sweep.dir``, default
``runs/plan/sweeps/<name>-<hash>`` from the command, so the same command
resumes: finished plans are skipped), run one after another in this process
(each with ``plan.jobs`` workers), one invocation per folder at a time
(``sweep.lock``); with more than one plan, their comparison in
``SWEEP_DIR/compare`` (sim.plan.compare).

``python -m sim.plan compare DIR1 DIR2 ... --out DIR [--overwrite]``: plans
side by side (``plans.md``, ``plans.html``, ``plans.xlsx``).

``-m`` refuses a launcher override (the plans run one after another, each
with ``plan.jobs`` workers) and office and station plans mixed (they cannot
be compared); a comparison that fails after the plans is one line, exit 1.
"""
from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig

from sim.compose.cli import fail, pin
from sim.compose.conf_files import CONF_DIR
from sim.compose.loader import command_line, load_run, or_exit, to_config
from sim.compose.structured import register_configs
from sim.core.checks import TEXT, ConfigError
from sim.compose.sanity import warn
from sim.i18n import Translator, join_list, set_language

_ = Translator("reports")

PLAN_SWEEPS = Path("runs") / "plan" / "sweeps"  # -m without hydra.sweep.dir: a folder named from the command


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def print_plan(plan: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.plan.tiers import tier_line

    if plan["tier"] == "station":
        return print_station_plan(plan, out_dir)
    from sim.plan.headline import district_label, met_headline, replications_text
    from sim.plan.report import budget_line, role_heads

    table = Table(title=_("staffing plan: {district} -> {folder}").format(district=district_label(plan["district"]),
                                                                          folder=out_dir))
    for col in ("", *role_heads()):
        table.add_column(col, justify="right" if col else "left")
    for name, key in ((_("required"), "required"), (_("today"), "current"), (_("gap"), "gap")):
        table.add_row(name, *(str(plan[key][r]) for r in ("officers", "auxiliaries", "volunteers")))
    table.add_row(_("ministry norm"), str(plan["ministry_norm_officers"]), "", "")
    console = Console(stderr=False, highlight=False)  # no colour on "office" or digits: plain text
    console.print(table)
    console.print(met_headline(plan, long=False, bold=False))
    if plan["unreachable"]:  # more staff cannot meet it there (plan.md says why)
        console.print(_("Out of reach by travel, whatever the staffing: {shifts} (see plan.md).").format(
            shifts=join_list(_("office {office}, shift {shift}").format(**u) if plan["offices"] > 1 else
                             _("shift {shift}").format(**u) for u in plan["unreachable"])))
    console.print(_("annual cost {cost} k yuan (today {today}); new offices to build: {new}, {build} k yuan once")
                  .format(cost=f"{plan['annual_cost']['total_kyuan']:,.0f}",
                          today=f"{plan['current_annual_cost']['total_kyuan']:,.0f}",
                          new=plan["building_cost"]["new_offices"],
                          build=f"{plan['building_cost']['total_kyuan']:,.0f}"))
    if budget_line(plan):
        console.print(budget_line(plan))
    console.print(_("plan: {line}").format(line=tier_line(plan["tiers"])))
    console.print(_("today: {line}").format(line=tier_line(plan["today_tiers"])))
    console.print(replications_text(plan["search"]))


def print_station_plan(plan: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.plan.headline import replications_text
    from sim.plan.tiers import tier_line

    st = plan["station"]
    table = Table(title=_("station plan: {district} -> {folder}").format(district=plan["district"], folder=out_dir))
    for col in ("", _("cars per shift"), _("people"), _("k yuan a year")):
        table.add_column(col, justify="right" if col else "left")
    for name, cars, cost in ((_("required"), st["required_cars_per_shift"], st["required_cost"]),
                             (_("configured"), st["current_cars_per_shift"], st["current_cost"])):
        table.add_row(name, str(cars), f"{cost['people']:g}", f"{cost['kyuan_per_year']:,.0f}")
    table.add_row(_("gap"), f"{st['gap_cars']:+d}", "", f"{st['cost_gap_kyuan_per_year']:+,.0f}")
    console = Console(highlight=False)
    console.print(table)
    console.print(_("targets met: {met}").format(met=_yes(plan["targets_met"]))
                  + (_(" (shifts out of reach by travel: {n})").format(n=len(plan["unreachable"]))
                     if plan["unreachable"] else "")
                  + ("" if plan["targets_met"] or plan["unreachable"] or not plan["targets_met_on_estimate"] else
                     _(" (met on the estimates, not all shown at the stated confidence)")))
    console.print(replications_text(plan["search"]))
    console.print(_("plan: {line}").format(line=tier_line(plan["tiers"])))
    console.print(_("configured cars: {line}").format(line=tier_line(plan["today_tiers"])))


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_main(cfg) -> None:
    from sim.plan.pipeline import run_plan
    from sim.plan.station_pipeline import run_station_plan

    config = or_exit(to_config, cfg)
    set_language(config.lang)
    hc = HydraConfig.get()
    log = lambda text: print(text, file=sys.stderr)  # noqa: E731
    run = run_station_plan if config.plan.tier == "station" else run_plan
    plan = run(config, hc.runtime.output_dir, list(hc.overrides.task), log=log, show_progress=True)
    print_plan(plan, hc.runtime.output_dir)


def run_plans(overrides: list[str]) -> int:
    """``-m``: every plan of the sweep in its own job folder, one after another;
    finished ones (DONE naming the same config) skipped; a failing plan records
    FAILED and the others carry on; then the comparison. Exit 1 if any failed."""
    from sim.compose.loader import load_configs, sweep_plan
    from sim.core.outdir import check_out_dir
    from sim.plan.pipeline import check_plannable
    from sim.study.sweep import Sweep, default_sweep_dir, shown
    from sim.study.sweep_lock import SweepLock

    launcher = next((o for o in overrides if o.lstrip("+~").startswith(("hydra/launcher=", "hydra.launcher."))), None)
    if launcher is not None:
        raise ConfigError("hydra/launcher", launcher.partition("=")[2], _(
            "the planner runs the plans of -m one after another in this process, each with plan.jobs workers; "
            "leave out the launcher (set plan.jobs for more workers per plan)"))
    sp = sweep_plan(overrides)
    if not sp.jobs:
        raise ConfigError("sweep", " ".join(overrides), _("has no jobs (an empty range or list?)"))
    if sp.sweeper.endswith("MorrisSweeper"):
        raise ConfigError("hydra/sweeper", "morris", _("the planner sweeps plans over listed values; a Morris "
                                                       "design is for python -m sim -m"))
    configs = load_configs(sp.jobs)
    for cfg in configs:
        check_plannable(cfg)
    tiers = sorted({c.plan.tier for c in configs})
    if len(tiers) > 1:  # their comparison would refuse them after all the work
        raise ConfigError("plan.tier", ",".join(tiers), _(
            "office and station plans cannot be compared (they size different things); run one plan.tier per -m"))
    set_language(configs[0].lang)
    warn(configs)
    overwrite = all(c.sim.overwrite for c in configs)
    root = check_out_dir(sp.sweep_dir or PLAN_SWEEPS / default_sweep_dir(overrides).name, "hydra.sweep.dir",
                         overwrite, kind="sweep")
    sweep = Sweep(root, sp.jobs, configs, sp.dirname)
    sweep.check_folders(overwrite)
    lock = SweepLock(root).acquire()
    try:
        before = sweep.statuses()
        to_run = [d for d, s in zip(sweep.dirnames, before) if s != "done"]
        sweep.write_manifest(["-m", *overrides], "sequential (sim.plan)", sp.sweeper, to_run)
        _plan_command(root, overrides)
        print(_("{n} plans -> {folder}").format(n=len(sp.jobs), folder=shown(root)), file=sys.stderr)
        ended = "finished"
        try:
            for i, (name, cfg, job, status) in enumerate(zip(sweep.dirnames, configs, sp.jobs, before), start=1):
                if status == "done":
                    print(_("plan {i} of {n}: {job} already done, skipped").format(i=i, n=len(sp.jobs), job=name),
                          file=sys.stderr)
                    continue
                print(_("plan {i} of {n}: {job}").format(i=i, n=len(sp.jobs), job=name), file=sys.stderr)
                run_one(cfg, root / name, job)
        except KeyboardInterrupt:
            ended = "interrupted"
            print(_("plans interrupted; run the same command again to resume"), file=sys.stderr)
        statuses = sweep.statuses()
        counts = {"done": statuses.count("done"), "failed": statuses.count("failed"),
                  "unfinished": statuses.count("unfinished")}
        sweep.close_manifest(counts, ended)
        done = [root / d for d, s in zip(sweep.dirnames, statuses) if s == "done"]
        if len(done) > 1:
            from sim.plan.compare import CompareError, compare_plans

            try:
                out = compare_plans(done, root / "compare", overwrite, lock=False,  # this sweep's lock: held
                                    overwrite_key="sim.overwrite=true")
            except CompareError as exc:
                print(_("compare error: {error}").format(error=exc), file=sys.stderr)
                return 1
            print(_("plans compared -> {folder}").format(folder=shown(Path(out) / "plans.md")), file=sys.stderr)
        return 1 if counts["failed"] or counts["unfinished"] else 0
    finally:
        lock.release()


def _plan_command(root, overrides: list[str]) -> None:
    """sweep.json's command of this invocation: the planner's, not ``python -m sim``'s."""
    import json

    from sim.compose.sweep_plan import MANIFEST_FILE
    from sim.output.provenance import write_json_atomic

    path = root / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["invocations"][-1]["command"] = ["python", "-m", "sim.plan", "-m", *overrides]
    write_json_atomic(path, manifest)


def run_one(cfg, out, overrides: list[str]) -> None:
    """One plan of a sweep: FAILED (with the traceback) instead of an exception, so the others carry on."""
    import traceback

    from sim.core.outdir import remove_own_tmp
    from sim.output.provenance import write_json_atomic
    from sim.plan.pipeline import run_plan
    from sim.plan.station_pipeline import run_station_plan
    from sim.study.sweep import FAILED, _now

    (out / FAILED).unlink(missing_ok=True)
    log = lambda text: print(text, file=sys.stderr)  # noqa: E731
    run = run_station_plan if cfg.plan.tier == "station" else run_plan
    try:
        plan = run(cfg, out, overrides, log=log, show_progress=True)
    except Exception as exc:  # noqa: BLE001 - recorded; the other plans carry on
        remove_own_tmp(out)
        write_json_atomic(out / FAILED, {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
                                         "overrides": list(overrides), "failed_utc": _now()})
        print(_("FAILED {job}: {error}").format(job=out.name, error=f"{type(exc).__name__}: {exc}"), file=sys.stderr)
        return
    print_plan(plan, str(out))


def compare_main(argv: list[str]) -> int:
    """``python -m sim.plan compare DIR1 DIR2 ... --out DIR [lang=zh]``."""
    from sim.compose.cli import OneLineParser
    from sim.i18n import LANGUAGES, language
    from sim.plan.compare import CompareError, compare_plans

    parser = OneLineParser(prog="python -m sim.plan compare",
                           description="plans side by side: plans.md, plans.html and plans.xlsx in --out")
    parser.add_argument("plans", nargs="+", help="plan folders (each with plan.json and DONE)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--overwrite", action="store_true",
                        help="write into --out even if it holds other files or another kind of output")
    parser.add_argument("--lang", help=f"language of the comparison: {', '.join(LANGUAGES)} (default en; also "
                        "lang=zh)")
    given = [a.partition("=")[2] for a in argv if a.startswith("lang=")]
    args = parser.parse_args([a for a in argv if not a.startswith("lang=")])
    lang = args.lang if args.lang is not None else (given[-1] if given else "en")
    if lang not in LANGUAGES:
        parser.error(f"lang={lang!r}: allowed: {', '.join(LANGUAGES)}")
    with language(lang):
        try:
            out = compare_plans(args.plans, args.out, overwrite=args.overwrite)
        except CompareError as exc:
            print(_("compare error: {error}").format(error=exc), file=sys.stderr)
            return 2
        print(_("{n} plans compared -> {folder}").format(n=len(args.plans), folder=out))
    return 0


def main() -> None:
    from sim.plan.pipeline import check_plannable

    if sys.argv[1:2] == ["compare"]:
        sys.exit(compare_main(sys.argv[2:]))
    try:
        flags, overrides = command_line(sys.argv[1:])
        if set(flags) & {"-m", "--multirun"}:
            if set(flags) - {"-m", "--multirun"}:
                raise ConfigError(" ".join(flags), TEXT, _("-m runs several plans; give it without other flags"))
            sys.exit(run_plans(overrides))
        if not any(a.lstrip("+").startswith("hydra.run.dir=") for a in overrides):
            overrides.append("hydra.run.dir=runs/plan/${now:%Y-%m-%d}/${now:%H-%M-%S}")
        config, run_dir = load_run(overrides, kind="plan")  # checked before Hydra makes a folder
        check_plannable(config)
    except ConfigError as exc:
        fail(exc)
    set_language(config.lang)
    warn([config])
    sys.argv = [sys.argv[0], *flags, *pin(overrides, "hydra.run.dir", str(run_dir)), "hydra.job.name=plan"]
    register_configs()
    hydra_main()


if __name__ == "__main__":
    main()
