"""Crime statistics the policing literature uses: did crime move next door
(treated area, buffer ring, control area and the weighted displacement
quotient, Bowers & Johnson 2003), crime after patrol stops (Koper 1995), and
space-time clustering (the Knox test behind near-repeat findings).

The treated area is fixed before the run from the district alone (each
office's cells with the highest expected street crime), so
every policy, and the run without one, is measured on the same cells. The
buffer is the ring within ``buffer_m`` of it; the control area is everything
at least ``control_gap_m`` beyond the buffer. With ``policy.start_day`` > 0 a
run has a before period (staff at posts) and an after period (the policy).

WDQ = (B_a/C_a - B_b/C_b) / (A_a/C_a - A_b/C_b), for treated A, buffer B,
control C, before b and after a: > 0 diffusion of benefits (the buffer
improved with the treated area), < 0 displacement, and |WDQ| > 1 means the
buffer change outweighs the treated change.
"""
from __future__ import annotations

import numpy as np



def areas(district, call_types, treated_cells: int, buffer_m: float, control_gap_m: float,
          concentration_exponent: float = 1.0):
    """Boolean masks over flat cells: treated (each office's highest-risk
    cells), buffer, control."""
    from sim.policing.crime import crime_risk

    risk = crime_risk(district, call_types, concentration_exponent)
    treated = np.zeros(len(risk), dtype=bool)
    office = district.office_area.ravel()
    for o in np.unique(office):  # per office, as the hot-spot policies rank cells
        cells = np.flatnonzero(office == o)
        treated[cells[np.argsort(-risk[cells], kind="stable")[:treated_cells]]] = True
    xs, ys = district.unflatten(np.arange(len(risk)))
    cx, cy = district.cell_centre_m(xs, ys)
    tx, ty = cx[treated], cy[treated]
    dist = np.min(np.hypot(cx[:, None] - tx[None, :], cy[:, None] - ty[None, :]), axis=1)
    buffer = ~treated & (dist <= buffer_m)
    control = dist > buffer_m + control_gap_m
    return treated, buffer, control


def wdq(a_b: float, a_a: float, b_b: float, b_a: float, c_b: float, c_a: float) -> float | None:
    """Bowers & Johnson's weighted displacement quotient, None where undefined."""
    if min(c_b, c_a) <= 0:
        return None
    success = a_a / c_a - a_b / c_b
    if success == 0:
        return None
    return (b_a / c_a - b_b / c_b) / success


def displacement_summary(incidents, district, masks, start_min: float, warmup_min: float) -> dict:
    """Crimes (contact crimes only: fraud does not happen in a place patrols
    reach) per area, before and after the policy start, and the WDQ."""
    treated, buffer, control = masks
    t = incidents["t_min"]
    keep = (t >= warmup_min) & incidents["contact"]
    cx, cy = district.cell_of(incidents["x_m"][keep], incidents["y_m"][keep])
    flat = cx * district.height + cy
    after = t[keep] >= start_min
    out = {}
    counts = {}
    for name, mask in (("treated", treated), ("buffer", buffer), ("control", control)):
        inside = mask[flat]
        out[f"crimes_{name}"] = int(inside.sum())
        counts[name] = (int((inside & ~after).sum()), int((inside & after).sum()))
        out[f"cells_{name}"] = int(mask.sum())
    if start_min > warmup_min:
        for name, (before, aft) in counts.items():
            out[f"crimes_{name}_before"], out[f"crimes_{name}_after"] = before, aft
        out["wdq"] = wdq(counts["treated"][0], counts["treated"][1], counts["buffer"][0],
                         counts["buffer"][1], counts["control"][0], counts["control"][1])
    else:
        out["wdq"] = None
    return out


def patrol_presence(stops: list, district, treated) -> dict:
    """Patrol-stop minutes in all and in the treated cells: the dose a hot-spot
    policy gives (Sherman & Weisburd 1995 doubled presence at the hot spots)."""
    if not stops:
        return {"patrol_minutes": 0.0, "patrol_minutes_treated": 0.0}
    s = np.asarray(stops, dtype=float).reshape(-1, 4)
    cx, cy = district.cell_of(s[:, 0], s[:, 1])
    inside = treated[cx * district.height + cy]
    minutes = s[:, 3] - s[:, 2]
    return {"patrol_minutes": float(minutes.sum()), "patrol_minutes_treated": float(minutes[inside].sum())}


def expected_summary(expected, masks, start_min: float, warmup_min: float) -> dict:
    """The expected crimes of the contact attempts (sim.policing.crime:
    ``CrimeModel.expected``) per area, as ``displacement_summary`` counts
    crimes: ``crimes_*_expected`` (and before/after the policy start)."""
    names = ("treated", "buffer", "control")
    if expected is None:  # a run without offenders
        return {}
    t, _, _, flat, p = (np.asarray(a, dtype=float) for a in expected)
    keep = t >= warmup_min
    t, flat, p = t[keep], flat[keep].astype(int), p[keep]
    after = t >= start_min
    out = {"crimes_street_expected": float(p.sum())}
    for name, mask in zip(names, masks):
        inside = mask[flat] if len(flat) else np.zeros(0, dtype=bool)
        out[f"crimes_{name}_expected"] = float(p[inside].sum())
        if start_min > warmup_min:
            out[f"crimes_{name}_before_expected"] = float(p[inside & ~after].sum())
            out[f"crimes_{name}_after_expected"] = float(p[inside & after].sum())
    return out


def koper_summary(stops: list, incidents, radius_m: float, horizon_min: float, window_min: float = 30.0,
                  attempts=None) -> dict:
    """Share of patrol stops followed by a contact crime within ``radius_m``
    within ``window_min`` after the patroller left (Koper 1995's measure);
    stops whose window runs past the end of the run are left out.

    With ``attempts`` (t, x, y, chance of going ahead: sim.policing.crime's
    ``CrimeModel.expected``) also the mean chance that an attempt in such a
    window goes ahead (``attempt_after_stop_30min_survival``, over
    ``attempts_after_stop_30min`` stop-attempt pairs). Offenders pick targets
    without regard to patrol, so attempts near a stop come alike whatever the
    stop's length, and the ratio of Koper shares between stop lengths is the
    ratio of these survivals, without the rare-hit noise of the shares."""
    stops = [s for s in stops if s[3] + window_min <= horizon_min]
    if not stops:
        return {"patrol_stops": 0, "patrol_stop_dwell_mean_min": None, "crime_after_stop_30min_share": None,
                "attempts_after_stop_30min": 0, "attempt_after_stop_30min_survival": None}
    s = np.asarray(stops)
    keep = incidents["contact"]
    t, x, y = incidents["t_min"][keep], incidents["x_m"][keep], incidents["y_m"][keep]
    order = np.argsort(t)
    t, x, y = t[order], x[order], y[order]
    lo = np.searchsorted(t, s[:, 3], side="right")
    hi = np.searchsorted(t, s[:, 3] + window_min, side="right")
    hit = np.zeros(len(s), dtype=bool)
    for k in np.flatnonzero(hi > lo):
        j = slice(lo[k], hi[k])
        hit[k] = bool(np.any(np.hypot(x[j] - s[k, 0], y[j] - s[k, 1]) <= radius_m))
    out = {"patrol_stops": int(len(s)), "patrol_stop_dwell_mean_min": float(np.mean(s[:, 3] - s[:, 2])),
           "crime_after_stop_30min_share": float(hit.mean())}
    out.update(_survival_after_stops(s, attempts, radius_m, window_min))
    return out


def _survival_after_stops(s: np.ndarray, attempts, radius_m: float, window_min: float) -> dict:
    if attempts is None:
        return {}
    t, x, y, p = (np.asarray(a, dtype=float) for a in attempts)
    order = np.argsort(t, kind="stable")
    t, x, y, p = t[order], x[order], y[order], p[order]
    lo = np.searchsorted(t, s[:, 3], side="right")
    hi = np.searchsorted(t, s[:, 3] + window_min, side="right")
    total, pairs = 0.0, 0
    for k in np.flatnonzero(hi > lo):
        j = slice(lo[k], hi[k])
        near = np.hypot(x[j] - s[k, 0], y[j] - s[k, 1]) <= radius_m
        total += float(p[j][near].sum())
        pairs += int(near.sum())
    return {"attempts_after_stop_30min": pairs,
            "attempt_after_stop_30min_survival": total / pairs if pairs else None}


def knox_ratio(t_min: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, near_m: float, soon_min: float,
               rng: np.random.Generator, permutations: int = 99) -> tuple[float, float]:
    """Observed pairs close in space and time over the mean for times shuffled
    among the same places (Knox 1964; Johnson et al. 2007), and the Monte
    Carlo p-value of observing at least that many."""
    close = np.hypot(x_m[:, None] - x_m[None, :], y_m[:, None] - y_m[None, :]) <= near_m
    upper = np.triu(np.ones_like(close), 1)
    close &= upper.astype(bool)

    def pairs(t):
        return int(np.sum(close & (np.abs(t[:, None] - t[None, :]) <= soon_min)))

    observed = pairs(t_min)
    shuffled = np.array([pairs(rng.permutation(t_min)) for _ in range(permutations)])
    expected = float(shuffled.mean())
    p = (1 + int(np.sum(shuffled >= observed))) / (permutations + 1)
    return (observed / expected if expected > 0 else float("nan")), p


def knox_counts(t_min: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, near_m: float,
                soon_min: float) -> tuple[int, float]:
    """Pairs close in space and time, and their exact expectation when the
    times are shuffled among the same places (the mean ``knox_ratio``'s
    permutations estimate): each of the n_near pairs close in space gets two
    distinct times at random, close with probability m_soon / C(n, 2).
    A k-d tree: O(n log n), so long runs with many burglaries stay cheap."""
    from scipy.spatial import cKDTree

    n = len(t_min)
    if n < 2:
        return 0, 0.0
    pairs = cKDTree(np.column_stack([x_m, y_m])).query_pairs(near_m, output_type="ndarray")
    observed = int(np.sum(np.abs(t_min[pairs[:, 0]] - t_min[pairs[:, 1]]) <= soon_min)) if len(pairs) else 0
    t = np.sort(np.asarray(t_min, dtype=float))
    soon_pairs = int(np.sum(np.searchsorted(t, t + soon_min, side="right") - np.arange(n) - 1))
    return observed, len(pairs) * soon_pairs / (n * (n - 1) / 2)
