"""What a plan's first lines say (issue 23), from the plan dictionary alone
(plan.json; light: the console, plan.md, plan.xlsx and ``compare`` share it).

- "Targets met" in two parts: over the whole district (city-wide: the
  ``attainment`` rows) and in every office and shift (``required_by_shift``);
  a city plan can meet every city-wide target while some office shifts fall short.
- One count of simulated replications, with its parts (search, staffing
  curve, today's roster, budget), the same in the log and in plan.md.
"""
from __future__ import annotations

from sim.i18n import N_, Translator

_ = Translator("reports")

AT_MOST = ("saturation", "window_wait", "crimes")  # attainment keys whose target is a ceiling

# city-wide, and in every office and shift: shown at the stated confidence, met on the point estimates only, or not
VERDICT_WORDS = {"yes": N_("yes"), "on_estimate": N_("on the estimates"), "no": N_("no")}


def headline_keys(plan: dict) -> dict:
    """plan.json's two verdicts the headline separates (issue 23): every
    target met over the whole district (its rows in ``attainment``), and the
    count of office shifts that fall short (``required_by_shift``; a shift out
    of reach by travel counts as short)."""
    rows = plan.get("required_by_shift") or []
    judged = {k: d for k, d in plan["attainment"].items() if isinstance(d, dict) and "met" in d}
    return {"targets_met_city_wide": all(d["met"] for d in judged.values()),
            # ... on the point estimates (a quiet district's bound may not clear a target its estimate meets)
            "targets_met_city_wide_on_estimate": all(
                d.get("estimate") is not None and d.get("target") is not None
                and (d["estimate"] <= d["target"] if k.startswith(AT_MOST) else d["estimate"] >= d["target"])
                for k, d in judged.items()),
            "shifts_short": sum(1 for r in rows if not r["targets_met"] or r.get("unreachable")),
            "shifts_total": len(rows)}


def replications_text(search: dict) -> str:
    """The one count of simulated replications the console and plan.md both show, with its parts."""
    parts = search.get("replications_by_part") or {}
    names = {"search": _("{n} in the search"), "curve": _("{n} for the staffing curve"),
             "today": _("{n} for today's roster"), "configured": _("{n} for the configured cars"),
             "budget": _("{n} for the budget")}
    shown = [names[k].format(n=n) for k, n in parts.items() if n and k in names]
    text = _("{n} simulated replications").format(n=search["replications_run"])
    return text + (" (" + ", ".join(shown) + ")" if shown else "")


def every_shift_verdict(plan: dict) -> str:
    """yes (every target shown at the stated confidence, none out of reach), on_estimate (no office shift
    short and every target met on the point estimates) or no."""
    if plan["targets_met"]:
        return "yes"
    keys = {**headline_keys(plan), **{k: plan[k] for k in ("shifts_short", "shifts_total") if k in plan}}
    if keys["shifts_total"] and not keys["shifts_short"] and plan["targets_met_on_estimate"] and not plan["unreachable"]:
        return "on_estimate"
    return "no"


def city_wide_verdict(plan: dict) -> str:
    """yes (every city-wide target row met at the stated confidence), on_estimate (met on the point
    estimates) or no."""
    keys = {**headline_keys(plan), **{k: plan[k] for k in ("targets_met_city_wide",
                                                            "targets_met_city_wide_on_estimate") if k in plan}}
    if keys["targets_met_city_wide"]:
        return "yes"
    return "on_estimate" if keys["targets_met_city_wide_on_estimate"] else "no"


def met_headline(plan: dict, long: bool = True, bold: bool = True) -> str:
    """"Targets met" as a sentence, city-wide (district-wide for one office)
    and in every office and shift kept apart; ``bold=False`` for the console."""
    keys = {**headline_keys(plan), **{k: plan[k] for k in ("targets_met_city_wide", "shifts_short",
                                                            "shifts_total") if k in plan}}
    b = (lambda t: f"**{t}**") if bold else (lambda t: t)
    yes = lambda flag: b(_("yes") if flag else _("no"))  # noqa: E731
    verdict = None
    if not keys["shifts_total"]:  # a station plan: one verdict
        text = _("Targets met: {met}.").format(met=yes(plan["targets_met"]))
    else:
        several = plan.get("offices", 1) > 1
        verdict = every_shift_verdict(plan)
        detail = ""
        if keys["shifts_short"]:
            detail = (_(" ({short} of {total} office shifts fall short)") if several else
                      _(" ({short} of {total} shifts fall short)")).format(short=keys["shifts_short"],
                                                                           total=keys["shifts_total"])
        text = _("Targets met {where_all}: {all}; {where_each}: {each}{detail}.").format(
            where_all=_("city-wide") if several else _("district-wide"),
            all=b(_(VERDICT_WORDS[city_wide_verdict(plan)])),
            where_each=_("in every office and shift") if several else _("in every shift"),
            each=b(_(VERDICT_WORDS[verdict])),
            detail=detail)
    if not plan["targets_met"] and not plan["unreachable"] and plan["targets_met_on_estimate"] \
            and (long or "on_estimate" not in (verdict, city_wide_verdict(plan))):  # short: said already
        text += " " + (_("Met on the estimates, but not all shown at the stated confidence: see the table by shift.")
                       if long else _("Met on the estimates, but not all shown at the stated confidence."))
    return text
