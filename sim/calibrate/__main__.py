"""``python -m sim.calibrate targets=NAME [overrides]``: fit model parameters
to targets (issue 21).

Takes the same config as ``python -m sim`` (district, staffing, policy, ...
the runs every target arm starts from) plus ``calibrate.*`` and a targets
file: ``targets=NAME`` (conf/targets/NAME.yaml; default literature) or
``targets=path/to/file.yaml``. Writes calibration.json, trials.parquet,
targets.png, convergence.png, report.md and conf/calibration/NAME.yaml to
``hydra.run.dir`` (default runs/calibrate/DATE/TIME). The same command with
the same folder resumes a calibration that was stopped or killed. Bad input
fails with one line and exit code 2 before any folder is made.
"""
from __future__ import annotations

import difflib
import sys

import hydra
from hydra.core.hydra_config import HydraConfig

from sim.compose.cli import fail, pin
from sim.compose.conf_files import CONF_DIR, _defaults_of
from sim.compose.loader import command_line, load_run, or_exit, to_config
from sim.run_any import is_exercise
from sim.compose.structured import register_configs
from sim.core.checks import TEXT, ConfigError
from sim.i18n import Translator

_ = Translator("checks")

_JOB: dict = {}  # what main() checked, for the Hydra app


def config_kind(cfg, key: str) -> str | None:
    """"int" or "float" if the dotted key names a number of the config, else None."""
    node = cfg
    for name in key.split("."):
        if isinstance(node, dict):
            if name not in node:
                return None
            node = node[name]
        elif hasattr(node, "__dataclass_fields__") and name in node.__dataclass_fields__:
            node = getattr(node, name)
        else:
            return None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return None
    return "int" if isinstance(node, int) else "float"


def split_targets(overrides: list[str]) -> tuple[str, list[str]]:
    targets = [o for o in overrides if o.lstrip("+").startswith("targets=")]
    if len(targets) > 1:
        raise ConfigError("targets", [t.partition("=")[2] for t in targets], _("is given twice; give one targets file"))
    rest = [o for o in overrides if o not in targets]
    return (targets[0].partition("=")[2] if targets else "literature"), rest


def base_of(overrides: list[str]) -> tuple[list[str], str]:
    """The overrides every run starts from (not hydra.*, calibrate.*, or the
    calibration choice, which the candidates replace), and the chosen preset
    whose other settings the candidates keep."""
    preset = dict(_defaults_of(CONF_DIR / "config.yaml")).get("calibration", "none")
    base = []
    for o in overrides:
        key = o.lstrip("+~").partition("=")[0]
        if key == "calibration":
            preset = o.partition("=")[2]
        elif not key.startswith(("hydra.", "hydra/", "calibrate.")):
            base.append(o)
    return base, preset


def with_launcher(config, overrides: list[str]):
    """The sweeps' launcher choice, for a calibration's runs: hydra/launcher=ray
    (with hydra.launcher.ray.init.address) sends them to Ray, as a sweep's jobs."""
    from dataclasses import replace

    from sim.compose.launchers import check_ray_address

    chosen = dict(o.lstrip("+").split("=", 1) for o in overrides if "=" in o)
    address = config.calibrate.ray_address
    if chosen.get("hydra/launcher") == "ray" and not address:
        address = chosen.get("hydra.launcher.ray.init.address", "local")
    if address in ("", "local"):
        return replace(config, calibrate=replace(config.calibrate, ray_address=address))
    try:
        check_ray_address(address)
    except ConfigError as exc:
        raise ConfigError("calibrate.ray_address", address, exc.allowed) from None
    return replace(config, calibrate=replace(config.calibrate, ray_address=address))


def check_problem(config, problem, base: list[str], preset: str) -> list[str]:
    """Before the first candidate, with one-line errors naming the target:
    every arm's overrides are well formed and compose at both ends of the
    parameters' bounds; no override sets a parameter being fitted; every
    measure exists in a (short) run of its arm. Returns notes to print
    (arms whose own preset sets a fitted parameter)."""
    from sim.calibrate.evaluate import nested, preset_values
    from sim.compose.loader import load_configs
    from sim.compose.overrides import precheck
    from sim.compose.structured import register_calibration

    fitted = {p.key for p in problem.parameters}
    arms = {("the command", "run"): base}
    for t in problem.targets:
        for arm, overrides in t.arms.items():
            arms[(f"targets.{t.name}", arm)] = [*base, *overrides]
    for (where, arm), overrides in arms.items():
        for o in overrides:
            key = o.lstrip("+").partition("=")[0]
            if key in fitted:
                raise ConfigError(f"{where} ({arm})" if arm != "run" else where, o,
                                  _("sets {key}, a parameter being fitted: its fitted value would never take "
                                    "effect").format(key=key))
        try:
            precheck(overrides)
        except ConfigError as exc:
            raise ConfigError(f"{where} ({arm}) {exc.key}", exc.value, exc.allowed) from None
    start = preset_values(preset)
    reached = {key: False for key in fitted}
    probes, notes = {}, []
    for edge in ("low", "high"):
        values = {p.key: (int(getattr(p, edge)) if p.integer else getattr(p, edge)) for p in problem.parameters}
        register_calibration(f"_candidate_{edge}", nested({**start, **values}))
        for t in problem.targets:
            for arm, overrides in t.arms.items():
                try:
                    cfg, = load_configs([[*base, f"calibration=_candidate_{edge}", *overrides, "replicate=0"]])
                except ConfigError as exc:
                    raise ConfigError(f"targets.{t.name} ({arm} arm) {exc.key}", exc.value,
                                      _("{allowed} (parameters at their {edge} bounds)")
                                      .format(allowed=exc.allowed, edge=edge)) from None
                except Exception as exc:  # noqa: BLE001 - a grammar Hydra refuses late
                    raise ConfigError(f"targets.{t.name} ({arm} arm)", overrides, " ".join(str(exc).split())[:160]) \
                        from None
                for key, value in values.items():
                    if _value_at(cfg, key) == value:
                        reached[key] = reached[key] or not t.claim
                    elif edge == "low" and not t.claim:
                        notes.append(f"note: targets.{t.name} ({arm} arm) sets {key} itself "
                                     f"({_value_at(cfg, key)}): the fitted value does not reach that arm")
                probes.setdefault(tuple(overrides), (cfg, []))[1].append(t)
    lost = [key for key, ok in reached.items() if not ok]
    if lost:
        raise ConfigError(f"parameters.{lost[0]}", TEXT, _("every fitted target's runs set it themselves (a "
                                                           "preset, an experiment or an override): nothing would "
                                                           "be fitted"))
    for cfg, targets in probes.values():
        _probe(cfg, targets)
    return notes


def _value_at(cfg, key: str):
    node = cfg
    for name in key.split("."):
        node = node[name] if isinstance(node, dict) else getattr(node, name)
    return node


def _probe(cfg, targets) -> None:
    """A short run of an arm (a day, or just past its policy's start), so a
    misspelt measure fails now in one line, not after the first candidate."""
    from dataclasses import replace

    from sim.run import results, simulate

    days = min(cfg.sim.days, max(1.0, cfg.policy.start_day + 1.0))
    summary = results(simulate(replace(cfg, sim=replace(cfg.sim, days=days, warmup_days=0.0))))[0]
    for t in targets:
        for key, what in ((t.measure.key, "measure"), (t.measure.weight_by, "weight_by")):
            if key and key not in summary:
                close = difflib.get_close_matches(key, list(summary), n=5, cutoff=0.5)
                why = (_("not a summary.json key of this run; did you mean {items}?").format(items=", ".join(close))
                       if close else _("not a summary.json key of this run (python -m sim writes them all to "
                                       "summary.json)"))
                raise ConfigError(f"targets.{t.name}.{what}", key, why)


def check_resume(run_dir, problem, overwrite: bool) -> None:
    """A folder holding a study resumes it only for the same problem."""
    from sim.calibrate.study import JOURNAL, JOURNAL_LOCK, STUDY, journal_storage

    journal = run_dir / JOURNAL
    if not journal.is_file():
        return
    import optuna

    try:
        study = optuna.load_study(study_name=STUDY, storage=journal_storage(journal))
        held = study.user_attrs.get("fingerprint")
    except Exception:  # noqa: BLE001 - a damaged or foreign journal
        held = None
    if held == problem.fingerprint():
        return
    if not overwrite:
        raise ConfigError("hydra.run.dir", str(run_dir), _("holds a calibration of other targets, parameters or "
                                                           "settings (base overrides, preset, replications, "
                                                           "seed, explore_share; trials may grow) ({journal}); "
                                                           "choose another folder, or add sim.overwrite=true to "
                                                           "start it afresh").format(journal=JOURNAL))
    journal.unlink()
    (run_dir / JOURNAL_LOCK).unlink(missing_ok=True)


def _preset_values(preset: str) -> dict:
    from sim.calibrate.evaluate import preset_values

    return preset_values(preset)


def connect_ray(address: str, jobs: int) -> None:
    """Join (or, for "local", start) the Ray cluster now, so an address that
    answers but is not Ray fails in one line before any folder is made."""
    from sim.calibrate.evaluate import init_ray

    try:
        init_ray(address, jobs)
    except Exception as exc:  # noqa: BLE001 - Ray's own errors are long
        raise ConfigError("calibrate.ray_address", address, _("Ray could not connect: {value}")
                                                            .format(value=" ".join(str(exc).split())[:160])) from None


def print_result(result: dict, out_dir: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"calibration: {result['problem']} -> {out_dir}")
    for col in ("target", "value", "band", "simulated", "95% interval", "inside"):
        table.add_column(col)
    f = lambda v: "n/a" if v is None else f"{v:.3g}"  # noqa: E731
    for name, t in result["targets"].items():
        table.add_row(name + (" (claim)" if t["claim"] else ""), f(t["target"]), f"[{f(t['band'][0])}, {f(t['band'][1])}]",
                      f(t["simulated"]), f"[{f(t['ci95'][0])}, {f(t['ci95'][1])}]", "yes" if t["inside"] else "NO")
    console = Console()
    console.print(table)
    console.print("best: " + ", ".join(f"{k}={v:.4g}" for k, v in result["best"].items()))
    preset = result["preset"]
    console.print(f"all fitted targets inside their bands: {'yes' if result['all_inside'] else 'no'}; preset: "
                  + (preset["use"] if preset["installed"] else
                     f"{preset['file']} (copy it into conf/calibration/ to use {preset['use']})"))


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base="1.3")
def hydra_main(cfg) -> None:
    from sim.calibrate.pipeline import run_calibration

    from dataclasses import replace

    config = or_exit(to_config, cfg)
    config = replace(config, calibrate=replace(config.calibrate, ray_address=_JOB["ray_address"]))
    hc = HydraConfig.get()
    log = lambda text: print(text, file=sys.stderr)  # noqa: E731
    try:
        result = run_calibration(config, _JOB["problem"], hc.runtime.output_dir, _JOB["base"], _JOB["preset"],
                                 list(hc.overrides.task), log=log)
    except ConfigError as exc:
        fail(exc)
    except KeyboardInterrupt:
        print(f"interrupted: to continue from the last finished candidate, run the same command with "
              f"hydra.run.dir={hc.runtime.output_dir}", file=sys.stderr)
        sys.exit(130)
    print_result(result, hc.runtime.output_dir)


def main() -> None:
    from sim.calibrate.preset import check_installable
    from sim.calibrate.problem import load_problem

    try:
        if any(a in ("-m", "--multirun") for a in sys.argv[1:]):
            raise ConfigError("-m", TEXT, _("a calibration runs its own candidates; run one per command"))
        flags, overrides = command_line(sys.argv[1:])
        targets, overrides = split_targets(overrides)
        if not any(a.lstrip("+").startswith("hydra.run.dir=") for a in overrides):
            overrides.append("hydra.run.dir=runs/calibrate/${now:%Y-%m-%d}/${now:%H-%M-%S}")
        config, run_dir = load_run(overrides, kind="calibration")  # checked before Hydra makes a folder
        if is_exercise(config):  # an exercise's injects are one day's events, not the everyday demand fitted
            raise ConfigError("exercise", config.exercise.name or "injects/actions",
                              _("calibration fits everyday demand, not a tabletop exercise; run exercises with "
                                "python -m sim or sim.tabletop"))
        config = with_launcher(config, overrides)
        base, preset = base_of(overrides)
        problem = load_problem(targets, config, lambda key: config_kind(config, key))
        c = config.calibrate
        problem.setup = {"base": base, "preset": preset, "preset_values": _preset_values(preset),
                         "replications": c.replications, "seed": c.seed, "explore_share": c.explore_share}
        notes = check_problem(config, problem, base, preset)
        if c.ray_address:
            connect_ray(c.ray_address, c.jobs)
        if config.calibrate.install:
            check_installable(config.calibrate.name)
        check_resume(run_dir, problem, config.sim.overwrite)
    except ConfigError as exc:
        fail(exc)
    for t in problem.targets:
        if t.observed:
            o = t.observed
            notes.append(f"records: targets.{t.name} = {t.value:.4g} ({o['count']} calls of {', '.join(o['types'])} "
                         f"over {o['span_days']} days in {o['calls_csv']}; {o['rows_skipped']} rows skipped)")
    for note in notes:
        print(note, file=sys.stderr)
    _JOB.update(problem=problem, base=base, preset=preset, ray_address=config.calibrate.ray_address)
    sys.argv = [sys.argv[0], *flags, *pin(overrides, "hydra.run.dir", str(run_dir)), "hydra.job.name=calibrate"]
    register_configs()
    hydra_main()


if __name__ == "__main__":
    main()
