"""Plans side by side (issue 23): ``python -m sim.plan compare DIR1 DIR2 ... --out DIR``.

Reads each finished plan folder's ``plan.json`` and writes, to ``--out``:
``plans.md`` and ``plans.html`` (one column per plan: the verdicts, staffing,
cost, attainment, gap, budget), and ``plans.xlsx`` (the same table with
numbers as numbers and shares as percentages, the staffing by office and shift,
and the provenance of every plan). ``python -m sim.plan -m ...`` writes it into
``SWEEP_DIR/compare`` when the sweep has more than one plan.

A folder that is not a plan, a plan not finished (no ``DONE``), or office and
station plans mixed (they size different things) stop the comparison with
one line (``CompareError``; exit code 2), as do the same plan given twice,
``--out`` inside a plan compared, a plan.json whose fields are damaged, and
``--out`` in a sweep folder while that sweep runs (its ``sweep.lock``).
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sim.core.markdown import md_code, md_inline, md_table, md_text
from sim.core.outdir import write_atomic
from sim.i18n import N_, Translator
from sim.plan.compare_load import CompareError, load_plans  # noqa: F401 - callers catch it here
from sim.plan.plan_names import labels
from sim.plan.headline import (BUDGET_STATUS, VERDICT_WORDS, city_wide_verdict, district_label, every_shift_verdict,
                               headline_keys, met_headline, policy_label, replications_text)

_ = Translator("reports")

OUT_FILES = ("plans.md", "plans.html", "plans.xlsx")
HTML_LANG = {"zh": "zh-CN", "en": "en"}  # the lang attribute (BCP 47), as report.html (sim.compare.html)


@dataclass
class Row:
    key: str  # plans.xlsx's key column
    label: str  # N_(): translated where shown
    get: Callable[[dict], object]  # the value from plan.json (None: not there)
    kind: str = "int"  # int | num | kyuan | share | text | yes | status
    role: str = ""  # N_(): fills the label's {role}


def _est(d) -> float | None:
    return d.get("estimate") if isinstance(d, dict) else None


def _dig(plan: dict, *keys):
    for k in keys:
        if not isinstance(plan, dict) or k not in plan or plan[k] is None:
            return None
        plan = plan[k]
    return plan


def _where_label(plans: list[dict]) -> str:
    """The district-wide verdict's row, worded as the plans' headlines word it (sim.plan.headline.where_all)."""
    several = {p.get("offices", 1) > 1 for p in plans}
    if several == {True}:
        return N_("targets met city-wide")
    return N_("targets met district-wide") if several == {False} else N_("targets met city-wide (district-wide)")


def office_rows(plans: list[dict]) -> list[Row]:
    """The rows of an office plan comparison; attainment rows for every target any plan has."""
    rows = [
        Row("district", N_("district"), lambda p: district_label(p["district"]), "text"),
        Row("policy", N_("policy"), lambda p: policy_label(p["policy"]), "text"),
        Row("response_tiers", N_("response tiers"), lambda p: p.get("response_tiers"), "text"),
        Row("target_p1_within_min", N_("target: priority-1 within (min)"),
            lambda p: p["targets"].get("p1_within_min"), "num"),
        Row("target_p1_share", N_("target: share of priority-1 calls in time"), lambda p: p["targets"].get("p1_share"),
            "share"),
        Row("targets_met_city_wide", _where_label(plans), city_wide_verdict, "verdict"),
        Row("shifts_short", N_("office shifts short of a target"), lambda p: headline_keys(p)["shifts_short"]),
        Row("shifts_total", N_("office shifts"), lambda p: headline_keys(p)["shifts_total"]),
        Row("targets_met_every_shift", N_("targets met in every office and shift"), every_shift_verdict, "verdict"),
    ]
    for role, name in (("officers", N_("officers")), ("auxiliaries", N_("auxiliaries")),
                       ("volunteers", N_("volunteers"))):
        rows += [Row(f"required_{role}", N_("required: {role}"), lambda p, r=role: p["required"][r], role=name),
                 Row(f"today_{role}", N_("today: {role}"), lambda p, r=role: p["current"][r], role=name),
                 Row(f"gap_{role}", N_("gap (required - today): {role}"), lambda p, r=role: p["gap"][r], role=name)]
    rows += [
        Row("ministry_norm_officers", N_("ministry norm: officers"), lambda p: p.get("ministry_norm_officers")),
        Row("on_duty", N_("on duty per office and shift (officers+auxiliaries)"),
            lambda p: " | ".join(f"{r['office']} {r['shift']}: {r['officers']}+{r['auxiliaries']}"
                                 for r in p.get("required_by_shift") or []), "text"),
        Row("annual_cost_kyuan", N_("annual cost (thousand yuan)"), lambda p: _dig(p, "annual_cost", "total_kyuan"),
            "kyuan"),
        Row("today_annual_cost_kyuan", N_("today's annual cost (thousand yuan)"),
            lambda p: _dig(p, "current_annual_cost", "total_kyuan"), "kyuan"),
        Row("cost_gap_kyuan", N_("annual cost, plan - today (thousand yuan)"),
            lambda p: None if _dig(p, "annual_cost", "total_kyuan") is None else round(
                p["annual_cost"]["total_kyuan"] - p["current_annual_cost"]["total_kyuan"], 1), "kyuan"),
        Row("cost_per_resident_yuan", N_("annual cost per resident (yuan)"),
            lambda p: _dig(p, "annual_cost", "per_resident_yuan"), "num"),
        Row("building_cost_kyuan", N_("building new offices, once (thousand yuan)"),
            lambda p: _dig(p, "building_cost", "total_kyuan"), "kyuan"),
    ]
    keys = list(dict.fromkeys(k for p in plans for k in p.get("attainment", {})))
    for key in keys:
        rows.append(Row(f"attainment.{key}", key, lambda p, k=key: _est(p["attainment"].get(k)), _kind(key)))
    rows += [
        Row("p1_within_target_share", N_("priority-1 in time (each plan's target), any tier"),
            lambda p: _est(_dig(p, "tiers", "p1_within_target_share")), "share"),
        Row("p1_office_alone_share", N_("priority-1 in time: by the office alone"),
            lambda p: _est(_dig(p, "tiers", "p1_office_alone_share")), "share"),
        Row("p1_station_carries_share", N_("priority-1 in time: carried by the station"),
            lambda p: _est(_dig(p, "tiers", "p1_station_carries_share")), "share"),
    ]
    rows += budget_rows()
    rows += [Row("replications_run", N_("simulated replications"), lambda p: p["search"]["replications_run"]),
             Row("seconds", N_("seconds"), lambda p: p["search"].get("seconds"), "num")]
    return rows


def station_rows(plans: list[dict]) -> list[Row]:
    rows = [
        Row("district", N_("district"), lambda p: district_label(p["district"]), "text"),
        Row("targets_met", N_("targets met"), lambda p: p["targets_met"], "yes"),
        Row("required_cars_per_shift", N_("required: station cars per shift"),
            lambda p: p["station"]["required_cars_per_shift"]),
        Row("configured_cars_per_shift", N_("configured: station cars per shift"),
            lambda p: p["station"]["current_cars_per_shift"]),
        Row("gap_cars", N_("gap (required - configured): cars"), lambda p: p["station"]["gap_cars"]),
        Row("cars_cost_kyuan", N_("the cars' pay a year (thousand yuan)"),
            lambda p: p["station"]["required_cost"]["kyuan_per_year"], "kyuan"),
        Row("cars_cost_gap_kyuan", N_("pay a year, required - configured (thousand yuan)"),
            lambda p: p["station"]["cost_gap_kyuan_per_year"], "kyuan"),
    ]
    keys = list(dict.fromkeys(k for p in plans for k in p.get("attainment", {})))
    for key in keys:
        rows.append(Row(f"attainment.{key}", key, lambda p, k=key: _est(p["attainment"].get(k)), _kind(key)))
    rows += [Row("replications_run", N_("simulated replications"), lambda p: p["search"]["replications_run"]),
             Row("seconds", N_("seconds"), lambda p: p["search"].get("seconds"), "num")]
    return rows


def budget_rows() -> list[Row]:
    b = lambda p, *k: _dig(p, "budget", *k)  # noqa: E731
    return [
        Row("budget_kyuan_per_year", N_("budget (thousand yuan a year)"), lambda p: b(p, "kyuan_per_year"), "kyuan"),
        Row("budget_status", N_("budget: outcome"), lambda p: b(p, "status"), "status"),
        Row("budget_officers", N_("within the budget: officers"), lambda p: b(p, "required", "officers")),
        Row("budget_auxiliaries", N_("within the budget: auxiliaries"), lambda p: b(p, "required", "auxiliaries")),
        Row("budget_cost_kyuan", N_("within the budget: annual cost (thousand yuan)"),
            lambda p: b(p, "annual_cost", "total_kyuan"), "kyuan"),
        Row("budget_targets_short", N_("within the budget: targets short"),
            lambda p: None if b(p, "shortfall") is None else sum(1 for s in p["budget"]["shortfall"]
                                                                   if s["short_by"] > 0)),
        Row("budget_p1_share", N_("within the budget: priority-1 in time"),
            lambda p: next((_est(v) for k, v in (b(p, "attainment") or {}).items()
                            if k.startswith("p1_within_")), None), "share"),
    ]


def _kind(key: str) -> str:
    from sim.output.labels import is_share_key

    return "share" if is_share_key(key) or key.startswith(("saturation", "satisfaction")) else "num"


STATUS = BUDGET_STATUS  # sim.plan.headline: plan.xlsx and plan.md say the same


def row_label(row: Row) -> str:
    from sim.output.labels import metric_label

    if row.key.startswith("attainment."):
        return metric_label(row.label)
    return _(row.label).format(role=_(row.role)) if row.role else _(row.label)


def shown(value, kind: str) -> str:
    """A cell of plans.md / plans.html."""
    if value is None or value == "":
        return "-"
    if kind == "share":
        return f"{value:.1%}"
    if kind == "yes":
        return _("yes") if value else _("no")
    if kind == "status":
        return _(STATUS.get(value, value))
    if kind == "verdict":
        return _(VERDICT_WORDS[value])
    if kind == "kyuan":
        return f"{value:,.0f}"
    if kind == "num":
        return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def table(plans: list[dict]) -> list[tuple[Row, list]]:
    rows = station_rows(plans) if plans[0]["tier"] == "station" else office_rows(plans)
    out = []
    for row in rows:
        values = []
        for p in plans:
            try:
                values.append(row.get(p))
            except (KeyError, TypeError, IndexError):
                values.append(None)
        if any(v is not None for v in values):
            out.append((row, values))
    return out


def markdown(plans: list[dict], names: list[str], folders: list[Path]) -> str:
    rows = table(plans)
    lines = [_("# Plans compared"), "",
             _("{n} plans, one column each; the same rows as plans.xlsx.").format(n=len(plans)), ""]
    for name, p, folder in zip(names, plans, folders):  # names, folders and values come from data: md_text
        lines.append(_("- **{name}** ({folder}): {headline}").format(
            name=md_inline(name), folder=md_code(folder), headline=md_text(met_headline(p, long=False))))
    lines += ["", md_table(["", *map(md_inline, names)],
                           [[row_label(r), *(md_inline(shown(v, r.kind)) for v in vals)] for r, vals in rows],
                           align="l" + "r" * len(names)), ""]
    lines += [_("Costs in thousand yuan a year (building: once, not in the yearly cost or the budget). Attainment: "
                "the estimate over all replications; a plan's own plan.md gives the 95% intervals. "
                "{runs}.").format(runs="; ".join(f"{md_inline(n)}: {replications_text(p['search'])}"
                                                 for n, p in zip(names, plans))), ""]
    return "\n".join(lines)


def to_html(plans: list[dict], names: list[str], folders: list[Path]) -> str:
    """plans.html: self-contained (no scripts, no external files)."""
    rows = table(plans)
    e = html.escape
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    body = "\n".join("<tr><th scope=\"row\">{}</th>{}</tr>".format(
        e(row_label(r)), "".join(f"<td>{e(shown(v, r.kind))}</td>" for v in vals)) for r, vals in rows)
    items = "\n".join(f"<li><b>{e(n)}</b> (<code>{e(str(f))}</code>): {e(met_headline(p, long=False, bold=False))}"
                      "</li>" for n, p, f in zip(names, plans, folders))
    title = e(_("Plans compared"))
    note = e(_("Costs in thousand yuan a year (building: once, not in the yearly cost or the budget). Attainment: "
               "the estimate over all replications; a plan's own plan.md gives the 95% intervals. "
               "{runs}.").format(runs="; ".join(f"{n}: {replications_text(p['search'])}"
                                                for n, p in zip(names, plans))))
    from sim.i18n import current_language

    return f"""<!DOCTYPE html>
<html lang="{e(HTML_LANG.get(current_language(), current_language()))}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }}
thead th {{ max-width: 16em; word-break: break-word; overflow-wrap: anywhere; font-size: 0.9em; }}
td {{ text-align: right; }}
th[scope=row] {{ text-align: left; font-weight: normal; min-width: 14em; }}
tr:nth-child(even) {{ background: #f6f6f6; }}
</style></head><body>
<h1>{title}</h1>
<ul>
{items}
</ul>
<table>
<thead><tr><th></th>{head}</tr></thead>
<tbody>
{body}
</tbody></table>
<p>{note}</p>
</body></html>
"""


def workbook(plans: list[dict], names: list[str], folders: list[Path], path: Path) -> Path:
    """plans.xlsx: the comparison (a row per figure, a column per plan), the
    staffing by office and shift, and each plan's provenance."""
    from sim.output.workbook import Sheet, write_workbook

    rows = table(plans)
    cols = {"key": [r.key for r, _v in rows], "metric": [row_label(r) for r, _v in rows]}
    percent = {r.key for r, _v in rows if r.kind == "share"}
    for i, name in enumerate(names):
        cols[f"plan_{i + 1}"] = [_cell(v, r.kind) for r, vals in rows for v in [vals[i]]]
    headers = {"key": _("key"), "metric": _("figure"), **{f"plan_{i + 1}": n for i, n in enumerate(names)}}
    sheets = [Sheet("plans", cols, headers=headers, percent=percent, row_metric="key",
                    row_values={f"plan_{i + 1}" for i in range(len(names))})]
    shifts = {"plan": [], "office": [], "shift": [], "officers": [], "auxiliaries": [], "p1_attainment": [],
              "saturation": []}
    for name, p in zip(names, plans):
        for r in p.get("required_by_shift") or []:
            shifts["plan"].append(name)
            shifts["office"].append(r["office"])
            shifts["shift"].append(r["shift"])
            shifts["officers"].append(r["officers"])
            shifts["auxiliaries"].append(r["auxiliaries"])
            shifts["p1_attainment"].append(_est(r.get("p1_attainment")))
            shifts["saturation"].append(_est(r.get("saturation")))
    if shifts["plan"]:
        sheets.append(Sheet("by_shift", shifts, percent={"p1_attainment", "saturation"}, headers={
            "plan": _("plan"), "office": _("office"), "shift": _("shift"), "officers": _("officers on duty"),
            "auxiliaries": _("auxiliaries on duty"), "p1_attainment": _("priority-1 in time (%)"),
            "saturation": _("saturation (%)")}))
    provenance = {"source": " ".join(str(f) for f in folders)}
    for name, p in zip(names, plans):
        provenance[f"{name}: config_hash"] = p.get("config_hash")
        provenance[f"{name}: overrides"] = " ".join(p.get("overrides") or [])
    provenance["git_commit"] = plans[0].get("git_commit")
    return write_workbook(path, sheets, provenance)


def _cell(value, kind: str):
    if kind == "yes" and value is not None:
        return _("yes") if value else _("no")
    if kind == "status" and value is not None:
        return _(STATUS.get(value, value))
    if kind == "verdict" and value is not None:
        return _(VERDICT_WORDS[value])
    return value


def sweep_of(out: Path) -> Path | None:
    """The sweep folder (one holding sweep.json) that ``out`` lies in, if any."""
    from sim.compose.sweep_plan import MANIFEST_FILE

    return next((d for d in Path(out).resolve().parents if (d / MANIFEST_FILE).is_file()), None)


def compare_plans(folders: list[str | Path], out: str | Path, overwrite: bool = False, lock: bool = True,
                  overwrite_key: str = "--overwrite") -> Path:
    """Write plans.md, plans.html and plans.xlsx to ``out``; the folder written.
    The same plan twice, or ``out`` inside a plan compared, stop it; ``out`` in
    a sweep folder takes the sweep's lock (``lock=False``: the caller holds it);
    ``overwrite_key``: how the caller's user says overwrite (named in errors)."""
    from sim.core.outdir import check_out_dir
    from sim.config import ConfigError
    from sim.output.provenance import prepare_dir
    from sim.study.sweep_lock import SweepLock

    plans = load_plans(folders)
    folders = [Path(f) for f in folders]
    real = [f.resolve() for f in folders]
    twice = next((f for i, f in enumerate(folders) if real[i] in real[:i]), None)
    if twice is not None:
        raise CompareError(_("{folder}: the same plan given twice; give each plan once").format(folder=twice))
    target = Path(out).resolve()
    inside = next((f for f, r in zip(folders, real) if target == r or r in target.parents), None)
    if inside is not None:
        raise CompareError(_("--out {out}: inside the plan folder {folder} being compared; choose a folder "
                             "outside every plan").format(out=out, folder=inside))
    sweep = sweep_of(target) if lock else None
    held = None
    try:
        if sweep is not None:
            held = SweepLock(sweep).acquire()
        out = check_out_dir(str(out), "--out", overwrite, kind="compare", overwrite_key=overwrite_key)
        out = prepare_dir(out, overwrite=True, kind="compare")
    except ConfigError as exc:
        if held is not None:
            held.release()
        raise CompareError(str(exc)) from None
    try:
        return _write_comparison(plans, folders, out)
    finally:
        if held is not None:
            held.release()


def _write_comparison(plans: list[dict], folders: list[Path], out: Path) -> Path:
    names = labels(folders, plans)
    with write_atomic(out / "plans.md") as f:
        f.write(markdown(plans, names, folders))
    with write_atomic(out / "plans.html") as f:
        f.write(to_html(plans, names, folders))
    workbook(plans, names, folders, out / "plans.xlsx")
    from sim.output.provenance import finish_manifest

    finish_manifest(out)
    return out

