"""The plans a comparison reads (sim.plan.compare): each a finished plan
folder of this program whose plan.json holds, with the right types, every
field the comparison shows; else one line (``CompareError``, exit code 2)."""
from __future__ import annotations

import json
from pathlib import Path

from sim.core.outdir import output_kind
from sim.i18n import Translator
from sim.output.provenance import DONE
from sim.plan.headline import BUDGET_STATUS

_ = Translator("reports")


class CompareError(Exception):
    """A one-line reason to stop (exit code 2)."""


def load_plan(folder: str | Path) -> dict:
    """A finished plan's plan.json, or a CompareError naming the folder."""
    path = Path(folder)
    if not path.is_dir():
        raise CompareError(_("{folder}: not a folder").format(folder=folder))
    kind = output_kind(path)
    if kind != "plan" and not (path / "plan.json").is_file():
        raise CompareError(_("{folder}: not a plan folder (no plan.json; it holds {kind})").format(
            folder=folder, kind=kind or _("no output of this program")))
    if not (path / DONE).is_file() or not (path / "plan.json").is_file():
        raise CompareError(_("{folder}: an unfinished plan (no DONE): run it to the end, or leave it out").format(
            folder=folder))
    try:
        plan = json.loads((path / "plan.json").read_text())
    except (OSError, ValueError) as exc:
        raise CompareError(_("{folder}: plan.json cannot be read ({error})").format(folder=folder, error=exc)) from None
    if not isinstance(plan, dict) or "tier" not in plan or "targets_met" not in plan:
        raise CompareError(_("{folder}: plan.json is not a plan of this program").format(folder=folder))
    return plan


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# the fields the comparison reads: (path, test); a test that fails names its field
_COMMON = [(("targets_met",), lambda v: isinstance(v, bool)), (("district",), lambda v: isinstance(v, str)),
           (("attainment",), lambda v: isinstance(v, dict)), (("search",), lambda v: isinstance(v, dict)),
           (("search", "replications_run"), _is_int)]
_OFFICE = [*((((part, role)), _is_int) for part in ("required", "current", "gap")
             for role in ("officers", "auxiliaries", "volunteers")),
           *(((part, "total_kyuan"), _is_num) for part in ("annual_cost", "current_annual_cost", "building_cost")),
           (("targets",), lambda v: isinstance(v, dict)), (("unreachable",), lambda v: isinstance(v, list))]
_STATION = [*((("station", k), _is_int) for k in ("required_cars_per_shift", "current_cars_per_shift", "gap_cars")),
            (("station", "required_cost", "kyuan_per_year"), _is_num),
            (("station", "cost_gap_kyuan_per_year"), _is_num)]


def plan_problem(plan: dict) -> str | None:
    """The first field the comparison reads that is missing or of the wrong type (``required.officers``), else None."""
    if plan.get("tier") not in ("office", "station"):
        return "tier"
    for path, ok in [*_COMMON, *(_STATION if plan["tier"] == "station" else _OFFICE)]:
        value = plan
        for k in path:
            value = value.get(k) if isinstance(value, dict) else None
        if value is None or not ok(value):
            return ".".join(path)
    b = plan.get("budget")
    if b is not None and (not isinstance(b, dict) or b.get("status") not in BUDGET_STATUS):
        return "budget.status"
    return None


def load_plans(folders: list[str | Path]) -> list[dict]:
    if len(folders) < 2:
        raise CompareError(_("give at least two plan folders to compare (got {n})").format(n=len(folders)))
    plans = [load_plan(f) for f in folders]
    tiers = sorted({p["tier"] for p in plans})
    if len(tiers) > 1:
        raise CompareError(_("office and station plans cannot be compared (they size different things: the "
                             "office's staff, the station's cars); compare plans of one plan.tier"))
    for folder, plan in zip(folders, plans):
        bad = plan_problem(plan)
        if bad:
            raise CompareError(_("{folder}: plan.json is damaged ({field}); run the plan again").format(
                folder=folder, field=bad))
    return plans
