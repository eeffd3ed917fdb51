"""The calibrated preset: conf/calibration/NAME.yaml, usable as
``+calibration=NAME`` (or ``calibration=NAME``) in any run, sweep or plan.
Written in the run folder, and installed in the project's conf/calibration/
only over a file an earlier calibration wrote (its first line says so), never
over a shipped preset or a hand-written one."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from sim.calibrate.config import SHIPPED_PRESETS
from sim.calibrate.problem import one_line
from sim.compose.conf_files import CONF_DIR
from sim.core.checks import ConfigError
from sim.core.outdir import write_atomic
from sim.i18n import Translator

_ = Translator("checks")

MARK = "# written by python -m sim.calibrate"
PRESETS_DIR = CONF_DIR / "calibration"


def installed_path(name: str) -> Path:
    return PRESETS_DIR / f"{name}.yaml"


def check_installable(name: str) -> None:
    """Before the run starts: the preset may be (re)written in conf/calibration/."""
    path = installed_path(name)
    if name in SHIPPED_PRESETS:
        raise ConfigError("calibrate.name", name, _("is a shipped preset; choose another name (or "
                                                    "calibrate.install=false)"))
    if path.is_symlink() or (path.exists() and not is_ours(path)):
        raise ConfigError("calibrate.name", name, _("{path} exists and was not written by a calibration; choose "
                                                    "another name (or calibrate.install=false)").format(path=path))
    if not PRESETS_DIR.is_dir() or not PRESETS_DIR.stat().st_mode & 0o200:
        raise ConfigError("calibrate.install", True, _("cannot write {presets_dir}; calibrate.install=false "
                                                       "writes the preset in the run folder only")
                                                     .format(presets_dir=PRESETS_DIR))


def is_ours(path: Path) -> bool:
    """Its second line (after the package line) is the calibration's mark."""
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith("# @package") and f.readline().startswith(MARK)
    except (OSError, UnicodeDecodeError):
        return False


def preset_text(name: str, values: dict, problem, posterior: dict, run_dir: Path) -> str:
    """The preset file: fitted values (and the chosen preset's others), with
    their posterior intervals and where they came from, in comments."""
    from sim.calibrate.evaluate import nested

    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# @package _global_",  # Hydra reads the package from the first line
             f"{MARK} on {when}: targets {one_line(problem.name)} ({one_line(problem.path)}); run folder {run_dir}",
             f"# Use: +calibration={name} (any run, sweep or plan); calibration=none switches calibration off.",
             "# Fitted (best fit; posterior mean and 95% interval where the posterior was estimated):"]
    for p in problem.parameters:
        post = posterior.get("parameters", {}).get(p.key)
        interval = (f"; posterior {post['mean']:.4g} [{post['q025']:.4g}, {post['q975']:.4g}]" if post else "")
        lines.append(f"#   {p.key} = {values[p.key]:.6g}{interval}; bounds [{p.low:g}, {p.high:g}], {p.prior} prior")
    body = yaml.safe_dump(nested(values), sort_keys=True, allow_unicode=True, default_flow_style=False)
    return "\n".join(lines) + "\n" + body


def write_preset(text: str, name: str, run_dir: Path, install: bool) -> tuple[Path, Path | None]:
    local = run_dir / "conf" / "calibration" / f"{name}.yaml"
    local.parent.mkdir(parents=True, exist_ok=True)
    with write_atomic(local) as f:
        f.write(text)
    if not install:
        return local, None
    check_installable(name)  # again: the folder may have changed during a long calibration
    target = installed_path(name)
    with write_atomic(target) as f:
        f.write(text)
    return local, target
