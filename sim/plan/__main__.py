"""``python -m sim.plan [overrides]``: plan the staffing of a district.

Takes the same config as ``python -m sim`` (district, staffing = today's,
policy, ...) plus ``target.*`` and ``plan.*``, and writes ``plan.json``,
``plan.md``, ``staffing_curve.png`` and ``gap.png`` to ``hydra.run.dir``
(default ``runs/plan/DATE/TIME``); with ``plan.tier=station``, the station's
patrol cars instead (``plan.json``, ``plan.md``, ``station_curve.png``). Bad
overrides fail with one line and exit code 2 before any folder is made.
"""
from __future__ import annotations

import sys

import hydra
from hydra.core.hydra_config import HydraConfig

from sim.compose.cli import fail, pin
from sim.compose.conf_files import CONF_DIR
from sim.compose.loader import command_line, load_run, or_exit, to_config
from sim.compose.structured import register_configs
from sim.core.checks import TEXT, ConfigError
from sim.compose.sanity import warn
from sim.i18n import Translator, set_language

_ = Translator("reports")


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def print_plan(plan: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.plan.tiers import tier_line

    if plan["tier"] == "station":
        return print_station_plan(plan, out_dir)
    from sim.plan.report import role_heads

    table = Table(title=_("staffing plan: {district} -> {folder}").format(district=plan["district"], folder=out_dir))
    for col in ("", *role_heads()):
        table.add_column(col, justify="right" if col else "left")
    for name, key in ((_("required"), "required"), (_("today"), "current"), (_("gap"), "gap")):
        table.add_row(name, *(str(plan[key][r]) for r in ("officers", "auxiliaries", "volunteers")))
    table.add_row(_("ministry norm"), str(plan["ministry_norm_officers"]), "", "")
    console = Console()
    console.print(table)
    console.print(_("targets met: {met}; annual cost {cost} k yuan (today {today}); building {new} new office(s): "
                    "{build} k yuan once").format(
                        met=_yes(plan["targets_met"]), cost=f"{plan['annual_cost']['total_kyuan']:,.0f}",
                        today=f"{plan['current_annual_cost']['total_kyuan']:,.0f}",
                        new=plan["building_cost"]["new_offices"],
                        build=f"{plan['building_cost']['total_kyuan']:,.0f}"))
    console.print(_("plan: {line}").format(line=tier_line(plan["tiers"])))
    console.print(_("today: {line}").format(line=tier_line(plan["today_tiers"])))


def print_station_plan(plan: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from sim.plan.tiers import tier_line

    st = plan["station"]
    table = Table(title=_("station plan: {district} -> {folder}").format(district=plan["district"], folder=out_dir))
    for col in ("", _("cars per shift"), _("people"), _("k yuan a year")):
        table.add_column(col, justify="right" if col else "left")
    for name, cars, cost in ((_("required"), st["required_cars_per_shift"], st["required_cost"]),
                             (_("configured"), st["current_cars_per_shift"], st["current_cost"])):
        table.add_row(name, str(cars), f"{cost['people']:g}", f"{cost['kyuan_per_year']:,.0f}")
    table.add_row(_("gap"), f"{st['gap_cars']:+d}", "", f"{st['cost_gap_kyuan_per_year']:+,.0f}")
    console = Console()
    console.print(table)
    console.print(_("targets met: {met}").format(met=_yes(plan["targets_met"]))
                  + (_(" ({n} shift(s) out of reach by travel)").format(n=len(plan["unreachable"]))
                     if plan["unreachable"] else "")
                  + ("" if plan["targets_met"] or plan["unreachable"] or not plan["targets_met_on_estimate"] else
                     _(" (met on the estimates, not all shown at the stated confidence)")))
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
    plan = run(config, hc.runtime.output_dir, list(hc.overrides.task), log=log)
    print_plan(plan, hc.runtime.output_dir)


def main() -> None:
    from sim.plan.pipeline import check_plannable

    try:
        if any(a in ("-m", "--multirun") for a in sys.argv[1:]):
            raise ConfigError("-m", TEXT, _("the planner runs its own replications; run one plan per command"))
        flags, overrides = command_line(sys.argv[1:])
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
