"""Who reaches the district's calls in a plan (issue 19): the office's own
units, the parent station's, the city's rapid units.

The planner plans the office *given* the station's backup (``response.*``
applies in every plan run), so a plan says how much of the priority-1 target
the office meets on its own and how much the tiers beyond it carry. A call
belongs to the tier of its lead unit (as ``calls.parquet``'s ``tier``), so
the office's share and the station's (station and rapid units) add up to the
share of priority-1 calls reached in time by anyone.
"""
from __future__ import annotations

from sim.config import Config
from sim.core.roles import TIER_NAMES
from sim.plan.evaluate import Estimate, Evaluation, mean_estimate, ratio_estimate
from sim.i18n import N_, Translator, join_list

_ = Translator("reports")

# translated where shown: _(TIER_LABELS[tier])
TIER_LABELS = {"office": N_("the office's units"), "station": N_("the station's units"),
               "rapid": N_("rapid-response units")}


def tier_estimates(cfg: Config, ev: Evaluation) -> dict[str, Estimate | None]:
    """Replication-level ratio estimates: ``share_<tier>`` of dispatched calls
    led by each tier; ``p1_all``, ``p1_office``, ``p1_beyond`` and ``p1_<tier>``:
    priority-1 calls reached within the target, out of all priority-1 calls."""
    conf = cfg.plan.confidence
    calls = ev.stack("calls_tier")  # [replication, tier]
    out = {f"share_{name}": ratio_estimate(calls[:, k], calls.sum(axis=1), conf, counts=True)
           for k, name in enumerate(TIER_NAMES)}
    out["station_own_response"] = mean_estimate(ev.stack("station_own_response_min"), conf)
    if cfg.target.p1_within_min is not None:
        n = ev.stack("p1_n").sum(axis=(1, 2))
        hits = ev.stack("p1_hits_tier").sum(axis=(2, 3))  # [replication, tier]
        out["p1_all"] = ratio_estimate(hits.sum(axis=1), n, conf, counts=True)
        out["p1_office"] = ratio_estimate(hits[:, 0], n, conf, counts=True)
        out["p1_beyond"] = ratio_estimate(hits[:, 1:].sum(axis=1), n, conf, counts=True)
        for k, name in enumerate(TIER_NAMES):
            out[f"p1_{name}"] = ratio_estimate(hits[:, k], n, conf, counts=True)
    return out


def _d(est: Estimate | None) -> dict | None:
    return None if est is None else est.as_dict()


def tier_figures(cfg: Config, ev: Evaluation) -> dict:
    """plan.json's ``tiers`` (and ``today_tiers``): the priority-1 target split
    by who met it, and every tier's share of the dispatched district calls."""
    e = tier_estimates(cfg, ev)
    out: dict = {"response_tiers": cfg.response.tiers,
                 "tier_shares": {name: _d(e[f"share_{name}"]) for name in TIER_NAMES},
                 # the station's own calls outside the district (station_calls.parquet): mean response, minutes
                 "station_own_calls_response_mean_min": _d(e["station_own_response"])}
    if cfg.target.p1_within_min is not None:
        out.update({
            "p1_within_min": cfg.target.p1_within_min,
            "p1_within_target_share": _d(e["p1_all"]),  # reached in time by any tier
            "p1_office_alone_share": _d(e["p1_office"]),  # ... by the office's own units
            "p1_station_carries_share": _d(e["p1_beyond"]),  # ... by the station's or rapid units
            "p1_within_target_by_tier": {name: _d(e[f"p1_{name}"]) for name in TIER_NAMES},
        })
    return out


def present(figures: dict) -> tuple[str, ...]:
    """The tiers ``response.tiers`` puts in play (plan.json's ``response_tiers``): no line for a tier that is not."""
    from sim.policing.response_config import TIER_SETS

    return TIER_SETS.get(figures.get("response_tiers"), TIER_NAMES)


def tier_line(figures: dict) -> str:
    """One line for the console and plan.md: the priority-1 target by tier, and tier shares."""
    from sim.i18n.terms import term

    shares = join_list(f"{term(name)} {_pct(figures['tier_shares'][name])}" for name in present(figures))
    if "p1_within_min" not in figures:
        return _("calls led by tier: {shares}").format(shares=shares)
    if "station" not in present(figures):  # the office alone: nothing to split
        return _("priority-1 within {minutes:g} min: {all}; calls led by tier: {shares}").format(
            minutes=figures["p1_within_min"], all=_pct(figures["p1_within_target_share"]), shares=shares)
    return _("priority-1 within {minutes:g} min: {all} (the office alone {office}, the station carries {station}); "
             "calls led by tier: {shares}").format(
                 minutes=figures["p1_within_min"], all=_pct(figures["p1_within_target_share"]),
                 office=_pct(figures["p1_office_alone_share"]), station=_pct(figures["p1_station_carries_share"]),
                 shares=shares)


def _pct(d: dict | None) -> str:
    return _("n/a") if not d or d.get("estimate") is None else f"{d['estimate']:.1%}"
