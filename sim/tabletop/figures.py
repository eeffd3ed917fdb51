"""What the room sees, as plain data and matplotlib figures (no browser).

``unit_states`` and ``open_calls`` are the tables beside the map; ``map_figure``
draws the district (shaded by a chosen layer), beat boundaries, offices,
staff by role and state, open calls and the injects in force;
``charts_figure`` draws the live charts from the recorder and the calls.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from sim.core.roles import TIER_NAMES
from sim.core.space import LAND_USE_CODE
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR

LAYERS = ("incidents (last 7 days)", "residents", "mountain and roads")
STATE_COLOURS = {"off duty": "#bbbbbb", "waiting": "#2e8b57", "patrolling": "#1f77b4",
                 "en route": "#ff8c00", "on scene": "#d62728"}
ROLE_MARKERS = {"officer": "^", "auxiliary": "o", "volunteer": "s", "grid_worker": "D"}


def unit_states(model) -> list[dict]:
    """Every unit: number, role, office, state and where it is now."""
    fleet, now = model.fleet, model.env.now
    xs, ys = fleet.positions(now)
    rows = []
    for i in range(fleet.n):
        call = model.dispatcher.current.get(i)
        if call is not None:
            k = call.units.index(i)
            state = "on scene" if call.arrived[k] else "en route"
        elif not fleet.on_duty[i]:
            state = "off duty"
        elif model.station_duty is not None and model.station_duty.at_station[i]:
            state = "station duty"
        elif fleet.t1[i] > now or (fleet.x1[i], fleet.y1[i]) != tuple(fleet.post[i]):
            state = "patrolling"
        else:
            state = "waiting"
        order = model.controls.orders.get(i) if model.controls is not None else None
        rows.append({"unit": i, "role": fleet.role_name[i], "office": int(fleet.office[i]), "state": state,
                     "x_m": float(xs[i]), "y_m": float(ys[i]), "call": call.call_id if call is not None else None,
                     "reserve": model.n_rostered <= i < model.n_office_units, "tier": TIER_NAMES[fleet.tier[i]],
                     "order": order[0] if order else ""})
    return rows


def open_calls(model) -> list[dict]:
    """Calls not yet cleared: queued ones first (most urgent first), then those being worked."""
    now, rows = model.env.now, []
    for c in model.calls:
        if c.outcome != "open":
            continue
        assigned = sum(u >= 0 for u in c.units)
        status = ("queued" if assigned == 0 else "on scene" if all(c.arrived) else
                  f"{assigned}/{len(c.units)} units" if assigned < len(c.units) else "units en route")
        rows.append({"call": c.call_id, "type": c.type, "priority": c.priority, "status": status,
                     "waiting_min": now - c.t_arrival, "units": [u for u in c.units if u >= 0],
                     "needs": len(c.units), "x_m": c.x, "y_m": c.y, "queued": assigned < len(c.units)})
    rows.sort(key=lambda r: (not r["queued"], r["priority"], -r["waiting_min"]))
    return rows


def _layer(model, layer: str) -> tuple[np.ndarray, str]:
    d = model.district
    if layer == "residents":
        return d.residents.astype(float), "Greens"
    if layer == "mountain and roads":
        return (d.land_use == LAND_USE_CODE["mountain"]).astype(float) * 2 + (
            d.land_use == LAND_USE_CODE["road"]), "Greys"
    grid = np.zeros(d.residents.shape)
    since = model.env.now - 7 * MIN_PER_DAY
    for row in model.incidents[::-1]:
        if row[2] < since:
            break
        cx, cy = d.cell_of(row[3], row[4])
        grid[int(cx), int(cy)] += 1
    return grid, "OrRd"


def active_injects(model) -> list[dict]:
    """Injects with a place that are still in force (for the map)."""
    out = []
    for d in model.session.log:
        p = d.params
        if d.kind == "festival_crowd" and model.env.now < d.t_min + p["duration_h"] * 60:
            out.append({"kind": d.kind, "x_m": p["x_m"], "y_m": p["y_m"], "radius_m": p["radius_m"]})
    return out


def draw_place(ax, geo) -> None:
    """A gis district's roads and outline in model metres (sim.geo.frame.GeoFrame)."""
    import shapely

    layers = ((geo.roads(), dict(color="#6c757d", lw=0.6)), (geo.outline().boundary, dict(color="black", lw=1.2)))
    for geom, style in layers:
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            if not part.is_empty:
                xy = shapely.get_coordinates(part)
                ax.plot(xy[:, 0], xy[:, 1], zorder=2, **style)


def map_figure(model, layer: str = LAYERS[0]) -> Figure:
    d = model.district
    w, h = d.width * d.cell_size_m, d.height * d.cell_size_m
    fig = Figure(figsize=(6.4, 6.0), dpi=80)
    ax = fig.subplots()
    grid, cmap = _layer(model, layer)
    ax.imshow(grid.T, origin="lower", extent=(0, w, 0, h), cmap=cmap, alpha=0.75, interpolation="nearest")
    if d.geo is not None:  # a real place: its streets and outline, so trainees know the map
        draw_place(ax, d.geo)
    beats = np.unique(d.beat)
    if len(beats) > 1:  # boundaries where the beat changes
        xs = (np.arange(d.width) + 0.5) * d.cell_size_m
        ys = (np.arange(d.height) + 0.5) * d.cell_size_m
        ax.contour(xs, ys, d.beat.T, levels=beats[:-1] + 0.5, colors="#555555", linewidths=0.6, linestyles="--")
    for k, (cx, cy) in enumerate(d.offices):
        x, y = d.cell_centre_m(cx, cy)
        ax.plot(x, y, marker="*", ms=16, color="gold", mec="black", zorder=5)
        ax.annotate(f"office {k}", (x, y), xytext=(6, -12), textcoords="offset points", fontsize=8)
    for inj in active_injects(model):
        ax.add_patch(Circle((inj["x_m"], inj["y_m"]), inj["radius_m"], fill=False, ec="purple", lw=2, ls=":"))
    for c in open_calls(model):
        big = c["needs"] > 1
        ax.plot(c["x_m"], c["y_m"], marker="X", ms=14 if big else 9, color="black" if c["queued"] else "#8b0000",
                mec="white", zorder=6)
        ax.annotate(f"P{c['priority']}", (c["x_m"], c["y_m"]), xytext=(5, 5), textcoords="offset points",
                    fontsize=7, color="black")
    labels: dict[tuple, list[str]] = {}  # units at one spot share one label ("8,9")
    for u in unit_states(model):
        if u["state"] == "off duty":
            continue
        ax.plot(u["x_m"], u["y_m"], marker=ROLE_MARKERS[u["role"]], ms=8, color=STATE_COLOURS[u["state"]],
                mec="black", mew=0.5, zorder=7)
        labels.setdefault((round(u["x_m"]), round(u["y_m"])), []).append(str(u["unit"]))
    for (x, y), names in labels.items():
        ax.annotate(",".join(names), (x, y), xytext=(4, -9), textcoords="offset points", fontsize=7, zorder=8)
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_title(f"{model.session.clock()}   shading: {layer}", fontsize=9)
    handles = [Line2D([], [], ls="", marker="o", color=c, mec="black", label=s) for s, c in STATE_COLOURS.items()
               if s != "off duty"]
    handles += [Line2D([], [], ls="", marker=m, color="white", mec="black", label=r.replace("_", " "))
                for r, m in ROLE_MARKERS.items()]
    handles.append(Line2D([], [], ls="", marker="X", color="black", label="call waiting"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def charts_figure(model) -> Figure:
    """Four live charts since the exercise began: calls waiting and units busy,
    response times, crimes, utilisation and satisfaction."""
    start, now = model.warmup_min, model.env.now
    rows = [r for r in model.recorder.rows if r[0] >= start]
    fig = Figure(figsize=(7.2, 5.0), dpi=80)
    axes = fig.subplots(2, 2)
    hours = np.array([r[0] for r in rows]) / MIN_PER_HOUR
    if rows:
        arr = np.array([r[1:] for r in rows], float)
        queued, busy, duty = arr[:, 2], arr[:, 3:7].sum(axis=1), arr[:, 7:11].sum(axis=1)
        ax = axes[0, 0]
        ax.step(hours, queued, where="post", color="black", label="calls waiting")
        ax.step(hours, busy, where="post", color="#d62728", label="units busy")
        ax.step(hours, duty, where="post", color="#2e8b57", ls=":", label="units on duty")
        ax.legend(fontsize=7)
        util = np.divide(busy, duty, out=np.zeros_like(busy), where=duty > 0)
        axes[1, 1].step(hours, util * 100, where="post", color="#d62728", label="utilisation (%)")
    axes[0, 0].set_title("Calls waiting, units busy (hourly)", fontsize=9)
    calls = [c for c in model.calls if c.t_arrival >= start and not math.isnan(c.t_on_scene)]
    ax = axes[0, 1]
    for p, colour in ((1, "#d62728"), (2, "#ff8c00"), (3, "#1f77b4"), (4, "#7f7f7f")):
        sel = [c for c in calls if c.priority == p]
        if sel:
            ax.scatter([c.t_arrival / 60 for c in sel], [c.t_on_scene - c.t_arrival for c in sel], s=10,
                       color=colour, label=f"P{p}")
    if calls:
        ax.legend(fontsize=7)
    ax.set_title("Response time of each call (min)", fontsize=9)
    crimes = sorted(r[2] for r in model.incidents if r[2] >= start)
    axes[1, 0].step(np.array([start] + crimes + [now]) / MIN_PER_HOUR, list(range(len(crimes) + 1)) + [len(crimes)],
                    where="post", color="#8b0000")
    axes[1, 0].set_title("Crimes since the start", fontsize=9)
    ax = axes[1, 1]
    ax.set_title("Utilisation (%), satisfaction", fontsize=9)
    if model.community is not None:
        rated = sorted((c.t_clear, model.community.call_satisfaction[c.call_id]) for c in model.calls
                       if c.call_id in model.community.call_satisfaction and c.t_arrival >= start)
        if rated:
            t = np.array([r[0] for r in rated]) / MIN_PER_HOUR
            mean = np.cumsum([r[1] for r in rated]) / np.arange(1, len(rated) + 1)
            ax.plot(t, mean * 100, color="#1f77b4", label="satisfaction (mean, x100)")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=7, loc="lower left")
    for ax in axes.ravel():
        ax.set_xlim(start / MIN_PER_HOUR, max(now, start + 60) / MIN_PER_HOUR)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
