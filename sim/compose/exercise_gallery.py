"""The built-in exercise scripts, for the tabletop's gallery: each one's name,
file, title and briefing in both languages, length and start time.

Read through the same safe loader as ``exercise.file=PATH``
(sim.compose.script_file), never composed and no model built, so listing the
gallery costs a few milliseconds; a script that fails the checks is left out
(as ``+exercise=NAME`` leaves it out: sim.compose.conf_files.good_exercises).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from sim.core.units import MIN_PER_DAY
from sim.i18n import LANGUAGES


@dataclass(frozen=True)
class ScriptInfo:
    """One script of the gallery. ``title``/``briefing``: language -> text ("en",
    "zh"; the English text where the script has no Chinese); ``days``: the run's
    length as the script sets it (``sim.days``), ``warmup_days`` the unseen part
    before the room starts, ``hours`` the exercise's own length; ``start``: when
    the room starts, as the clock shows it ("Day 1 18:00", in the current language)."""

    name: str
    path: Path
    title: dict[str, str]
    briefing: dict[str, str]
    days: float
    warmup_days: float
    hours: float
    start: str
    district: str


def _both(ex: dict, key: str) -> dict[str, str]:
    english = str(ex.get(key) or "")
    chinese = str(ex.get(f"{key}_zh") or "") or english
    return {lang: chinese if lang == "zh" else english for lang in LANGUAGES}


@functools.lru_cache(maxsize=64)
def _read(path: str, mtime_ns: int) -> dict:
    from sim.compose.script_file import read_script

    return read_script(path, key=f"exercise {Path(path).stem}")[1]


def script_info(name: str, path: Path) -> ScriptInfo:
    """The gallery entry of one script file (checked by the safe loader)."""
    from sim.config import Config
    from sim.exercise.session import clock

    data = _read(str(path), path.stat().st_mtime_ns)
    ex, sim_ = data.get("exercise") or {}, data.get("sim") or {}
    base = Config().sim
    days = float(sim_.get("days", base.days))
    warmup = float(sim_.get("warmup_days", base.warmup_days))
    district = next((str(option) for entry in data.get("defaults") or [] if isinstance(entry, dict)
                     for key, option in entry.items() if str(key).strip() == "override /district"),
                    Config().district.name)
    return ScriptInfo(name=name, path=path, title=_both(ex, "title"), briefing=_both(ex, "briefing"), days=days,
                      warmup_days=warmup, hours=(days - warmup) * 24.0, start=clock(warmup * MIN_PER_DAY),
                      district=district)


def gallery() -> list[ScriptInfo]:
    """The built-in scripts (sim/scenarios/exercises/), by name."""
    from sim.compose.conf_files import good_exercises

    return [script_info(name, path) for name, path in sorted(good_exercises().items())]
