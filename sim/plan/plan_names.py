"""What to call each plan of a comparison (``sim.plan compare``; issue 23): the
overrides that differ between the plans, else their folders' short names."""
from __future__ import annotations

from pathlib import Path

from sim.i18n import Translator

_ = Translator("reports")

SAME_PLAN = ("lang", "plan.jobs", "sim.overwrite", "sim.progress")  # overrides that do not change a plan


def _overrides(plan: dict) -> dict[str, str]:
    """A plan's command-line overrides (plan.json's ``overrides``) as key -> value, Hydra's own left out."""
    out = {}
    for item in plan.get("overrides") or []:
        key, eq, value = str(item).lstrip("+~").partition("=")
        if eq and not key.startswith("hydra.") and key not in SAME_PLAN:
            out[key] = value
    return out


def labels(folders: list[str | Path], plans: list[dict] | None = None) -> list[str]:
    """A column name per plan: the overrides that differ between the plans
    (plan.json's ``overrides``, as given; a plan that sets none of them: "as configured"),
    else the folder's name (short: a sweep's job folder keeps only what differs);
    made unique."""
    if plans:
        given = [_overrides(p) for p in plans]
        keys = list(dict.fromkeys(k for g in given for k in g))
        differ = [k for k in keys if len({g.get(k) for g in given}) > 1]
        names = [", ".join(f"{k}={g[k]}" for k in differ if k in g) or _("as configured") for g in given]
        if differ and len(set(names)) == len(names):
            return names
    names = [Path(f).resolve().name for f in folders]
    parts = [n.split(",") for n in names]
    common = set.intersection(*(set(p) for p in parts)) if parts else set()
    short = [",".join(x for x in p if x not in common) for p in parts]
    if all(short) and len(set(short)) == len(short):  # a sweep's job folders: only what differs
        names = short
    if len(set(names)) < len(names):
        names = [f"{n} ({Path(f).resolve().parent.name})" for n, f in zip(names, folders)]
    if len(set(names)) < len(names):
        names = [f"{i + 1}: {n}" for i, n in enumerate(names)]
    return names
