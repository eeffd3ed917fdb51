"""What a plan's first lines say (issue 23), from the plan dictionary alone
(plan.json; light: the console, plan.md, plan.xlsx and ``compare`` share it).

- "Targets met" in two parts: over the whole district (city-wide: the
  ``attainment`` rows) and in every office and shift (``required_by_shift``);
  a city plan can meet every city-wide target while some office shifts fall short.
- One count of simulated replications, with its parts (search, staffing
  curve, today's roster, budget), the same in the log and in plan.md.
"""
from __future__ import annotations

from sim.i18n import N_, Translator, join_list

_ = Translator("reports")

AT_MOST = ("saturation", "window_wait", "crimes")  # attainment keys whose target is a ceiling

# city-wide, and in every office and shift: shown at the stated confidence, met on the point estimates only, or not
VERDICT_WORDS = {"yes": N_("yes"), "on_estimate": N_("on the estimates"), "no": N_("no")}
# a target row (target_verdict) and an office shift (shift_verdict), translated where shown
TARGET_WORDS = {"yes": N_("met"), "on_estimate": N_("met on the estimate"), "no": N_("not met")}
SHIFT_WORDS = {"yes": N_("yes"), "on_estimate": N_("on the estimate"), "no": N_("no"),
               "out_of_reach": N_("no")}  # the "out of reach" column beside it says why


# plan.json's budget.status, translated where shown (plan.md, plan.xlsx, plans.*)
BUDGET_STATUS = {"fits": N_("the plan fits"), "cut": N_("staff cut to fit"), "too_small": N_("too small"),
                 "unreachable": N_("not reached")}
# the districts shipped in conf/district/, by name (others: their name, "_" as a space)
DISTRICT_LABELS = {"urban_core": N_("urban core"), "rural_mountain": N_("rural mountain district"),
                   "city": N_("city"), "helsinki": N_("Helsinki")}


def district_label(name: str) -> str:
    """A district's name as a reader sees it (titles, tables), in the current language."""
    return _(DISTRICT_LABELS[name]) if name in DISTRICT_LABELS else str(name).replace("_", " ")


def policy_label(name: str) -> str:
    """A policy (or a combination ``a+b``) by its shared terms (sim.i18n.terms)."""
    from sim.i18n.terms import term

    return " + ".join(term(p) for p in str(name).split("+"))


def target_verdict(key: str, d: dict | None) -> str | None:
    """One target row of ``attainment`` (plan.json): ``yes`` (met at the stated
    confidence: its ``met``), ``on_estimate`` (the point estimate meets it, the
    bound does not), ``no``; None for a row without a target. The one judgement
    behind the targets table (plan.md, plan.xlsx), plan.json's ``met_on_estimate``
    and the headline's district-wide verdict."""
    if not isinstance(d, dict) or "met" not in d:
        return None
    if d["met"]:
        return "yes"
    est, target = d.get("estimate"), d.get("target")
    if est is None or target is None:
        return "no"
    return "on_estimate" if (est <= target if key.startswith(AT_MOST) else est >= target) else "no"


def shift_verdict(row: dict) -> str:
    """One office shift of ``required_by_shift``: ``yes`` (every target shown at the
    stated confidence), ``on_estimate``, ``no``, or ``out_of_reach`` (travel, not
    staffing, misses the priority-1 target: short whatever the staffing). The
    by-shift tables and the headline's count of shifts that fall short share it."""
    if row.get("unreachable"):
        return "out_of_reach"
    if not row["targets_met"]:
        return "no"
    return "yes" if row.get("shown_at_confidence") else "on_estimate"


def headline_keys(plan: dict) -> dict:
    """plan.json's two verdicts the headline separates (issue 23): every
    target met over the whole district (its rows in ``attainment``), and the
    count of office shifts that fall short (``required_by_shift``; a shift out
    of reach by travel counts as short)."""
    rows = plan.get("required_by_shift") or []
    verdicts = [target_verdict(k, d) for k, d in plan["attainment"].items()]
    verdicts = [v for v in verdicts if v is not None]
    return {"targets_met_city_wide": all(v == "yes" for v in verdicts),
            # ... on the point estimates (a quiet district's bound may not clear a target its estimate meets)
            "targets_met_city_wide_on_estimate": all(v in ("yes", "on_estimate") for v in verdicts),
            "shifts_short": sum(1 for r in rows if shift_verdict(r) in ("no", "out_of_reach")),
            "shifts_total": len(rows)}


def where_all(plan: dict) -> str:
    """"city-wide" or, for a one-office district, "district-wide" (the headline's word; every table uses it)."""
    return _("city-wide") if plan.get("offices", 1) > 1 else _("district-wide")


def replications_text(search: dict) -> str:
    """The one count of simulated replications the console and plan.md both show, with its parts."""
    parts = search.get("replications_by_part") or {}
    names = {"search": _("{n} in the search"), "curve": _("{n} for the staffing curve"),
             "today": _("{n} for today's roster"), "configured": _("{n} for the configured cars"),
             "budget": _("{n} for the budget")}
    shown = [names[k].format(n=n) for k, n in parts.items() if n and k in names]
    text = _("{n} simulated replications").format(n=search["replications_run"])
    return text + (_(" ({parts})").format(parts=join_list(shown)) if shown else "")


def every_shift_verdict(plan: dict) -> str:
    """yes (every target shown at the stated confidence, none out of reach), on_estimate (no office shift
    short and every target met on the point estimates) or no."""
    if plan["targets_met"]:
        return "yes"
    keys = headline_keys(plan)
    if keys["shifts_total"] and not keys["shifts_short"] and plan["targets_met_on_estimate"] and not plan["unreachable"]:
        return "on_estimate"
    return "no"


def city_wide_verdict(plan: dict) -> str:
    """yes (every city-wide target row met at the stated confidence), on_estimate (met on the point
    estimates) or no."""
    keys = headline_keys(plan)
    if keys["targets_met_city_wide"]:
        return "yes"
    return "on_estimate" if keys["targets_met_city_wide_on_estimate"] else "no"


def met_headline(plan: dict, long: bool = True, bold: bool = True) -> str:
    """"Targets met" as a sentence, city-wide (district-wide for one office)
    and in every office and shift kept apart; ``bold=False`` for the console."""
    keys = headline_keys(plan)
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
            where_all=where_all(plan),
            all=b(_(VERDICT_WORDS[city_wide_verdict(plan)])),
            where_each=_("in every office and shift") if several else _("in every shift"),
            each=b(_(VERDICT_WORDS[verdict])),
            detail=detail)
    if not plan["targets_met"] and not plan["unreachable"] and plan["targets_met_on_estimate"] \
            and (long or "on_estimate" not in (verdict, city_wide_verdict(plan))):  # short: said already
        text += " " + (_("Met on the estimates, but not all shown at the stated confidence: see the table by shift.")
                       if long else _("Met on the estimates, but not all shown at the stated confidence."))
    return text
