"""Records of a run -> Arrow tables, and the flat summary computed from them.

One immutable row per call and per crime (Ciw's event-log idea); the summary
is a pure function of those tables plus the fleet's time accounting, so it can
be recomputed from files on disk without re-running.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.core.roles import ROLES, TIER_NAMES
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR

CALL_SCHEMA = pa.schema([
    ("call_id", pa.int64()), ("type", pa.string()), ("priority", pa.int8()),
    ("source", pa.string()), ("t_arrival_min", pa.float64()), ("t_dispatch_min", pa.float64()),
    ("t_on_scene_min", pa.float64()), ("t_clear_min", pa.float64()), ("wait_min", pa.float64()),
    ("travel_min", pa.float64()), ("on_scene_min", pa.float64()), ("response_min", pa.float64()),
    ("unit_id", pa.int32()), ("unit_role", pa.string()), ("unit2_id", pa.int32()),
    ("unit2_role", pa.string()), ("n_units", pa.int8()), ("unit_beat", pa.int32()),
    ("travel_m", pa.float64()), ("preemptions", pa.int16()),
    ("x_m", pa.float64()), ("y_m", pa.float64()),
    ("beat", pa.int32()), ("office", pa.int32()), ("caller_id", pa.int64()), ("outcome", pa.string()),
    ("satisfaction", pa.float64()), ("tier", pa.string()), ("escalated", pa.bool_()),
    ("lon", pa.float64()), ("lat", pa.float64()),  # WGS84 of (x_m, y_m): a real place's only (with_lonlat)
])
UNIT_SCHEMA = pa.schema([
    ("unit_id", pa.int32()), ("role", pa.string()), ("office", pa.int32()), ("beat", pa.int32()),
    ("post_x_m", pa.float64()), ("post_y_m", pa.float64()), ("busy_min", pa.float64()),
    ("staffed_min", pa.float64()), ("utilization", pa.float64()), ("calls_attended", pa.int64()),
    ("tier", pa.string()),
])
INCIDENT_SCHEMA = pa.schema([
    ("incident_id", pa.int64()), ("type", pa.string()), ("t_min", pa.float64()),
    ("x_m", pa.float64()), ("y_m", pa.float64()), ("offender_id", pa.int32()),
    ("victim_id", pa.int64()), ("guardians", pa.int32()), ("reported", pa.bool_()),
    ("call_id", pa.int64()),
    ("lon", pa.float64()), ("lat", pa.float64()),  # as the calls'
])
# columns a record's own tuple does not hold: filled from its place (with_lonlat), null until then
PLACE_COLUMNS = ("lon", "lat")


TIMESERIES_SCHEMA = pa.schema(
    [("t_min", pa.float64()), ("calls_arrived", pa.int64()), ("crimes", pa.int64()), ("calls_queued", pa.int64())]
    + [(f"busy_{r}", pa.int64()) for r in ROLES] + [(f"on_duty_{r}", pa.int64()) for r in ROLES]
    + [("day", pa.int32()), ("hour_of_day", pa.int8())])


def calls_table(calls, fleet, satisfaction: dict | None = None) -> pa.Table:
    """``satisfaction``: call id -> the caller's rating (sim.community.trust); NaN where none."""
    n = len(calls)
    satisfaction = satisfaction or {}
    get = lambda attr, dtype=float: np.fromiter((getattr(c, attr) for c in calls), dtype=dtype, count=n)  # noqa: E731
    t_arr, t_disp, t_scene, t_clear = get("t_arrival"), get("t_dispatch"), get("t_on_scene"), get("t_clear")
    unit = get("unit", np.int32)
    role = [fleet.role_name[u] if u >= 0 else "" for u in unit]
    unit2 = np.fromiter((c.units[1] if len(c.units) > 1 else -1 for c in calls), np.int32, count=n)
    role2 = [fleet.role_name[u] if u >= 0 else "" for u in unit2]
    tier = [TIER_NAMES[fleet.tier[u]] if u >= 0 else "" for u in unit]
    scene = np.where(np.isnan(t_clear) | np.isnan(t_scene), np.nan, t_clear - t_scene)
    cols = {
        "call_id": get("call_id", np.int64), "type": [c.type for c in calls],
        "priority": get("priority", np.int8), "source": [c.source for c in calls],
        "t_arrival_min": t_arr, "t_dispatch_min": t_disp, "t_on_scene_min": t_scene,
        "t_clear_min": t_clear, "wait_min": t_disp - t_arr, "travel_min": t_scene - t_disp,
        "on_scene_min": scene, "response_min": t_scene - t_arr, "unit_id": unit, "unit_role": role,
        "unit2_id": unit2, "unit2_role": role2,
        "n_units": np.fromiter((len(c.units) for c in calls), np.int8, count=n),
        "unit_beat": (np.where(unit >= 0, fleet.beat[np.maximum(unit, 0)], -1) if fleet.n
                      else np.full(n, -1)).astype(np.int32),
        "travel_m": get("travel_m"), "preemptions": get("preemptions", np.int16),
        "x_m": get("x"), "y_m": get("y"), "beat": get("beat", np.int32), "office": get("office", np.int32),
        "caller_id": get("caller_id", np.int64), "outcome": [c.outcome for c in calls],
        "satisfaction": np.fromiter((satisfaction.get(c.call_id, np.nan) for c in calls), float, count=n),
        "tier": tier, "escalated": np.fromiter((c.escalated for c in calls), bool, count=n),
        "lon": pa.nulls(n, pa.float64()), "lat": pa.nulls(n, pa.float64()),
    }
    return pa.table(cols, schema=CALL_SCHEMA)


def units_table(fleet, busy_min, staffed_min, calls: pa.Table) -> pa.Table:
    """One row per unit: workload and utilisation (for fairness and Larson's rho_i)."""
    attended = np.zeros(fleet.n, dtype=np.int64)
    for col in ("unit_id", "unit2_id"):
        ids = calls[col].to_numpy() if isinstance(calls, pa.Table) else calls(col)
        np.add.at(attended, ids[ids >= 0], 1)
    util = np.divide(busy_min, staffed_min, out=np.zeros(fleet.n), where=staffed_min > 0)
    return pa.table({
        "unit_id": np.arange(fleet.n, dtype=np.int32), "role": fleet.role_name,
        "office": fleet.office.astype(np.int32), "beat": fleet.beat.astype(np.int32),
        "post_x_m": fleet.post[:, 0], "post_y_m": fleet.post[:, 1], "busy_min": busy_min,
        "staffed_min": staffed_min, "utilization": util, "calls_attended": attended,
        "tier": [TIER_NAMES[t] for t in fleet.tier],
    }, schema=UNIT_SCHEMA)


def incidents_table(incidents) -> pa.Table:
    names = [name for name in INCIDENT_SCHEMA.names if name not in PLACE_COLUMNS]
    cols = list(zip(*incidents)) if incidents else [[] for _ in names]
    n = len(incidents)
    return pa.table({**dict(zip(names, cols)), "lon": pa.nulls(n, pa.float64()), "lat": pa.nulls(n, pa.float64())},
                    schema=INCIDENT_SCHEMA)


def with_lonlat(geo) -> Callable[[pa.Table], pa.Table] | None:
    """For a district from GIS files (``geo``: its sim.geo.frame.GeoFrame), the
    function that fills a table's ``lon``/``lat`` from its ``x_m``/``y_m``, one
    vectorised conversion per table (a log applies it to each batch it writes,
    sim.core.logs); None for an invented district, whose columns stay null."""
    if geo is None:
        return None

    def fill(table: pa.Table) -> pa.Table:
        if not len(table):
            return table
        x, y = table["x_m"].to_numpy(), table["y_m"].to_numpy()
        lon, lat = (np.asarray(v, dtype=float) for v in geo.lonlat(x, y))
        placed = np.isfinite(x) & np.isfinite(y) & np.isfinite(lon) & np.isfinite(lat)
        for name, values in (("lon", lon), ("lat", lat)):
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(values, mask=~placed))
        return table

    return fill


def timeseries_table(rows) -> pa.Table:
    names = (["t_min", "calls_arrived", "crimes", "calls_queued"]
             + [f"busy_{r}" for r in ROLES] + [f"on_duty_{r}" for r in ROLES])
    cols = list(zip(*rows)) if rows else [[] for _ in names]
    t = np.asarray(cols[0], dtype=float)
    cols += [((t - 1e-9) // 1440).astype(np.int32), ((t - 1e-9) // 60 % 24).astype(np.int8)]
    return pa.table(cols, schema=TIMESERIES_SCHEMA)


def equals(column: pa.ChunkedArray, value: str) -> np.ndarray:
    """Bool mask of a string column's rows equal to ``value`` (Arrow compute: no Python object per row)."""
    return pc.equal(column, value).to_numpy(zero_copy_only=False)


def _mean(a) -> float | None:
    return float(np.mean(a)) if len(a) else None


def _share(mask) -> float | None:
    return float(np.mean(mask)) if len(mask) else None


class Columns:
    """A calls table read one column at a time: a long run's table read back
    whole would cost memory in proportion to its length (sim.core.logs), so the
    summary loads each column when it needs it and lets it go."""

    def __init__(self, table: pa.Table | None = None, path=None):
        self.table, self.path = table, path
        self.n = len(table) if table is not None else pq.ParquetFile(path).metadata.num_rows

    def __len__(self) -> int:
        return self.n

    def arrow(self, name: str) -> pa.ChunkedArray:
        return self.table[name] if self.table is not None else pq.read_table(self.path, columns=[name])[name]

    def __call__(self, name: str) -> np.ndarray:
        return self.arrow(name).to_numpy()

    def equals(self, name: str, value: str) -> np.ndarray:
        return equals(self.arrow(name), value)


def summarize(calls: pa.Table | Columns, incidents: pa.Table, busy_min, staffed_min, roles, sim_days: float,
              warmup_days: float, crimes_deterred: int,
              mean_sizes: tuple[float, float] | None = None) -> dict:
    """The flat summary.json: numbers (or null where undefined), no nesting.
    ``mean_sizes``: time-average numbers waiting and in system (Little's law).
    Columns are loaded one or two at a time (``Columns``)."""
    col = calls if isinstance(calls, Columns) else Columns(calls)
    warm = warmup_days * MIN_PER_DAY
    t_arr = col("t_arrival_min")
    keep = t_arr >= warm
    t_arr = t_arr[keep]
    served, is_open, lost = (col.equals("outcome", v)[keep] for v in ("served", "open", "lost"))
    prio = col("priority")[keep]
    dispatched = ~np.isnan(col("t_dispatch_min")[keep])
    not_lost = ~lost
    response = col("response_min")[keep]
    reached = ~np.isnan(response)
    resp = response[reached]
    p1 = prio == 1
    out = {
        "calls_total": int(len(served)),
        "calls_served": int(served.sum()),
        "calls_open_at_end": int(is_open.sum()),
        "calls_lost": int((~not_lost).sum()),
        "response_time_mean_min": _mean(resp),
        "response_time_p50_min": float(np.percentile(resp, 50)) if len(resp) else None,
        "response_time_p90_min": float(np.percentile(resp, 90)) if len(resp) else None,
        "emergency_share_within_3min": _share(np.nan_to_num(response[p1], nan=np.inf) <= 3.0),
        "share_within_3min": _share(np.nan_to_num(response, nan=np.inf) <= 3.0),
        "share_within_8min": _share(np.nan_to_num(response, nan=np.inf) <= 8.0),
        "share_within_10min": _share(np.nan_to_num(response, nan=np.inf) <= 10.0),
    }
    del resp
    wait = col("wait_min")[keep]
    waited = (dispatched & (wait > 1e-9)) | (~dispatched & not_lost)
    out.update({
        "wait_mean_min": _mean(wait[dispatched]),
        # calls still waiting at the end are not in wait_mean_min; this counts them with
        # their wait so far (a lower bound on their true wait)
        "calls_never_dispatched": int((~dispatched & not_lost).sum()),
        "wait_mean_min_incl_open": _mean(np.where(dispatched, wait, sim_days * MIN_PER_DAY - t_arr)[not_lost]),
        "p_wait": _share(waited[not_lost]),
    })
    travel = col("travel_min")[keep]
    scene = col("on_scene_min")[keep]
    out.update({
        "travel_mean_min": _mean(travel[reached]),
        "on_scene_mean_min": _mean(scene[served]),
        "system_time_mean_min": _mean((col("t_clear_min")[keep] - t_arr)[served]),
        "p_loss": _share(~not_lost),
        "travel_distance_mean_m": _mean(col("travel_m")[keep][dispatched]),
        "interdistrict_share": _share((col("unit_beat")[keep] != col("beat")[keep])[dispatched]),
        "calls_preempted": int((col("preemptions")[keep] > 0).sum()),
    })
    n_dispatched = int(dispatched.sum())  # which tier's unit led each dispatched call (issue 19)
    for name in TIER_NAMES:
        out[f"tier_share_{name}"] = (float((col.equals("tier", name)[keep] & dispatched).sum()) / n_dispatched
                                     if n_dispatched else None)
    out["calls_escalated"] = int(col("escalated")[keep].sum())
    del t_arr
    span = sim_days * MIN_PER_DAY - warm
    out["arrival_rate_per_hour"] = MIN_PER_HOUR * len(served) / span if span > 0 else None
    if mean_sizes is not None:
        out["queue_length_mean"], out["system_length_mean"] = (float(v) for v in mean_sizes)
    for k in sorted(set(prio.tolist())):
        sel = prio == k
        out[f"calls_p{k}"] = int(sel.sum())
        out[f"wait_mean_min_p{k}"] = _mean(wait[sel & dispatched])
        out[f"travel_mean_min_p{k}"] = _mean(travel[sel & reached])
        out[f"on_scene_mean_min_p{k}"] = _mean(scene[sel & served])
        out[f"response_time_mean_min_p{k}"] = _mean(response[sel & reached])
    t_inc = incidents["t_min"].to_numpy()
    rep = incidents["reported"].to_numpy(zero_copy_only=False)
    out["crimes_total"] = int((t_inc >= warm).sum())
    out["crimes_reported"] = int(rep[t_inc >= warm].sum())
    out["crimes_deterred"] = int(crimes_deterred)
    roles = np.asarray(roles)
    total_staffed = float(np.sum(staffed_min))
    out["utilization"] = float(np.sum(busy_min)) / total_staffed if total_staffed > 0 else 0.0
    for name, members in (("officer", ["officer"]), ("auxiliary", ["auxiliary"]),
                          ("volunteer", ["volunteer", "grid_worker"])):
        sel = np.isin(roles, members)
        staffed = float(staffed_min[sel].sum())
        out[f"utilization_{name}"] = float(busy_min[sel].sum()) / staffed if staffed > 0 else 0.0
        out[f"staff_{name}"] = int(sel.sum())
    out["sim_days"] = float(sim_days)
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
