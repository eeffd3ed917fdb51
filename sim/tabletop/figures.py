"""What the room sees, as plain data and matplotlib figures (no browser).

``unit_states`` and ``open_calls`` are the tables beside the map; ``map_figure``
draws the district (shaded by a chosen layer), beat boundaries, offices,
staff by role and state, open calls and the injects in force;
``charts_figure`` draws the live charts from the recorder and the calls.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch

from sim.core.roles import TIER_NAMES
from sim.core.space import LAND_USE_CODE
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR
from sim.i18n import N_, Translator
from sim.i18n.fonts import use_cjk_fonts
from sim.i18n.terms import term

_ = Translator("tabletop")

# the map's shadings (the English text is the key; shown translated)
LAYERS = (N_("incidents (last 7 days)"), N_("residents"), N_("mountain and roads"))
STATE_COLOURS = {"off duty": "#bbbbbb", "waiting": "#2e8b57", "patrolling": "#1f77b4",
                 "en route": "#ff8c00", "on scene": "#d62728", "station duty": "#17becf"}
ROLE_MARKERS = {"officer": "^", "auxiliary": "o", "volunteer": "s", "grid_worker": "D"}
# shadings in colours no staff state uses (a shaded cell must not read as a unit's marker)
SHADE_ALPHA = 0.55
LAND_COLOURS = ListedColormap(["#ffffff", "#c8c8c8", "#a1887f"])  # other, road, mountain
CROWD_COLOUR = "#c51b7d"  # the festival crowd's circle


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


def fonts():
    """A matplotlib rc context with the CJK fallback (sim.i18n.fonts), around drawing AND saving
    a figure: the server's other libraries may reset the global rcParams after our first call."""
    import matplotlib

    family = use_cjk_fonts()
    return matplotlib.rc_context({"font.family": ["DejaVu Sans", family] if family else ["DejaVu Sans"],
                                  "axes.unicode_minus": False})


def clock_text(t_min: float) -> str:
    """'Day 1 18:30' / '第1天 18:30' for a time in minutes on the run's clock."""
    day, minute = divmod(int(math.floor(t_min + 1e-9)), 1440)
    return _("Day {day} {hh:02d}:{mm:02d}").format(day=day + 1, hh=minute // 60, mm=minute % 60)


def unit_name(u: dict) -> str:
    """'auxiliary 4 (office 1)' / '辅警4号（1号警务室）': how every list and table names a unit. The
    numbers are those of scripts and forms (units and offices from 0), and the map's labels."""
    return _("{role} {unit} (office {office})").format(role=term(u["role"]), unit=u["unit"], office=u["office"])


def call_status(status: str) -> str:
    """A call's status (from ``open_calls``) in the current language."""
    if "/" in status:
        done, needs = status.split()[0].split("/")
        return _("{assigned}/{needs} units").format(assigned=done, needs=needs)
    return term(status)


def kpis(model) -> dict:
    """The projector's figures since the exercise began."""
    start = model.warmup_min
    calls = [c for c in model.calls if c.t_arrival >= start]
    reached = [c.t_on_scene - c.t_arrival for c in calls if not math.isnan(c.t_on_scene)]
    rows = open_calls(model)
    return {"calls": len(calls), "queued": sum(r["queued"] for r in rows), "open": len(rows),
            "on_duty": int(model.fleet.on_duty.sum()),
            "response_mean_min": sum(reached) / len(reached) if reached else None,
            "crimes": sum(r[2] >= start for r in model.incidents)}


def _layer(model, layer: str) -> tuple[np.ndarray, str]:
    d = model.district
    if layer == "residents":
        return d.residents.astype(float), "Greys"
    if layer == "mountain and roads":
        return (d.land_use == LAND_USE_CODE["mountain"]).astype(float) * 2 + (
            d.land_use == LAND_USE_CODE["road"]), LAND_COLOURS
    grid = np.zeros(d.residents.shape)
    since = model.env.now - 7 * MIN_PER_DAY
    for row in model.incidents[::-1]:
        if row[2] < since:
            break
        cx, cy = d.cell_of(row[3], row[4])
        grid[int(cx), int(cy)] += 1
    return grid, "Purples"


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


def map_figure(model, layer: str = LAYERS[0], big: bool = False) -> Figure:
    """The district now; ``big``: the projector's size. Labels in the current language."""
    use_cjk_fonts()
    d = model.district
    w, h = d.width * d.cell_size_m, d.height * d.cell_size_m
    fig = Figure(figsize=(9.6, 8.0) if big else (7.2, 6.0), dpi=100)  # 720 x 600 px: sharp on a projector too
    ax = fig.subplots()
    # a fixed layout, room for the legend on the right: tight_layout measured every label each time (a
    # third of the drawing time, which every seat waits for after a change)
    fig.subplots_adjust(left=0.11, right=0.8, bottom=0.08, top=0.95)
    grid, cmap = _layer(model, layer)
    land = layer == "mountain and roads"
    shade = ax.imshow(grid.T, origin="lower", extent=(0, w, 0, h), cmap=cmap, alpha=SHADE_ALPHA,
                      interpolation="nearest", vmin=0 if land else None, vmax=2 if land else None)
    if not land:  # what the shading counts (the land layer has patches in the legend instead)
        bar = fig.colorbar(shade, ax=ax, orientation="horizontal", shrink=0.45, fraction=0.035, pad=0.09)
        bar.set_label(_(layer), fontsize=8)
        bar.ax.tick_params(labelsize=7)
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
        above = y < 0.9 * h  # the office's name above its star (units' numbers go below), inside the map
        ax.annotate(_("office {k}").format(k=k), (x, y), xytext=(0, 9 if above else -11), textcoords="offset points",
                    fontsize=8, ha=_ha(x, w, centre=True), va="bottom" if above else "top", zorder=9,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.7))
    for inj in active_injects(model):
        ax.add_patch(Circle((inj["x_m"], inj["y_m"]), inj["radius_m"], fill=False, ec=CROWD_COLOUR, lw=2, ls="--",
                            zorder=4))
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
    for (x, y), names in labels.items():  # below the marker, turned inwards near the map's right or bottom edge
        right = _ha(x, w) == "right"
        low = y < 0.06 * h
        ax.annotate(",".join(names), (x, y), xytext=(-5 if right else 5, 5 if low else -5),
                    textcoords="offset points", fontsize=7, zorder=8, ha="right" if right else "left",
                    va="bottom" if low else "top")
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_aspect("equal")
    ax.set_xlabel(_("x (m)"))
    ax.set_ylabel(_("y (m)"))
    ax.set_title(_("{clock}   shading: {layer}").format(clock=clock_text(model.env.now), layer=_(layer)), fontsize=9)
    handles = [Line2D([], [], ls="", marker="o", color=c, mec="black", label=term(s)) for s, c in STATE_COLOURS.items()
               if s != "off duty"]
    handles += [Line2D([], [], ls="", marker=m, color="white", mec="black", label=term(r))
                for r, m in ROLE_MARKERS.items()]
    handles.append(Line2D([], [], ls="", marker="X", color="black", label=_("call waiting")))
    handles.append(Line2D([], [], ls="", marker="o", ms=10, mfc="none", mec=CROWD_COLOUR, mew=1.5,
                          label=term("festival_crowd")))
    if land:
        handles += [Patch(color=LAND_COLOURS(1), alpha=SHADE_ALPHA, label=term("road")),
                    Patch(color=LAND_COLOURS(2), alpha=SHADE_ALPHA, label=term("mountain"))]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return fig


def _ha(x: float, width: float, centre: bool = False) -> str:
    """How a label near ``x`` is aligned so it stays inside a map ``width`` wide."""
    if x > 0.85 * width:
        return "right"
    if centre and x < 0.15 * width:
        return "left"
    return "center" if centre else "left"


def map_frame(fig: Figure, model) -> tuple:
    """Where the map's axes sit in the saved PNG, to turn a click into metres:
    (left, bottom, right, top) in pixels from the image's bottom-left, the
    image's (width, height) in pixels and the district's (width, height) in
    metres. Call after ``savefig`` (the equal aspect is applied then)."""
    ax = fig.axes[0]
    box = ax.get_window_extent()
    width_px, height_px = fig.canvas.get_width_height()
    d = model.district
    return (float(box.x0), float(box.y0), float(box.x1), float(box.y1), width_px, height_px,
            float(d.width * d.cell_size_m), float(d.height * d.cell_size_m))


def click_to_m(frame: tuple, fx: float, fy: float) -> tuple[float, float] | None:
    """A click at fractions (fx, fy) of the shown image (from its top-left) as
    metres in the district; None outside the map's axes."""
    x0, y0, x1, y1, wpx, hpx, w_m, h_m = frame
    px, py = fx * wpx, (1.0 - fy) * hpx
    slack = 2.0  # pixels: a click on the axes' frame line still counts (as the edge)
    if not (x0 - slack <= px <= x1 + slack and y0 - slack <= py <= y1 + slack):
        return None
    x, y = (px - x0) / (x1 - x0) * w_m, (py - y0) / (y1 - y0) * h_m
    return min(max(x, 0.0), w_m), min(max(y, 0.0), h_m)


def m_to_fraction(frame: tuple, x_m: float, y_m: float) -> tuple[float, float]:
    """The inverse: a point in metres as fractions of the image from its top-left."""
    x0, y0, x1, y1, wpx, hpx, w_m, h_m = frame
    return (x0 + x_m / w_m * (x1 - x0)) / wpx, 1.0 - (y0 + y_m / h_m * (y1 - y0)) / hpx


def unit_at(frame: tuple, units: list[dict], fx: float, fy: float, radius: float) -> dict | None:
    """The on-duty unit whose marker is nearest a click at (fx, fy), if within
    ``radius`` (a fraction of the image's width); else None."""
    near = [(math.hypot(ux - fx, (uy - fy) * frame[5] / frame[4]), u) for u in units if u["state"] != "off duty"
            for ux, uy in [m_to_fraction(frame, u["x_m"], u["y_m"])]]
    if not near:
        return None
    dist, unit = min(near, key=lambda t: t[0])
    return unit if dist <= radius else None


def charts_figure(model) -> Figure:
    """Four live charts since the exercise began: calls waiting and units busy,
    response times, crimes, utilisation and satisfaction."""
    use_cjk_fonts()
    start, now = model.warmup_min, model.env.now
    rows = [r for r in model.recorder.rows if r[0] >= start]
    fig = Figure(figsize=(7.2, 5.0), dpi=80)
    axes = fig.subplots(2, 2)
    hours = np.array([r[0] for r in rows]) / MIN_PER_HOUR
    if rows:
        arr = np.array([r[1:] for r in rows], float)
        queued, busy, duty = arr[:, 2], arr[:, 3:7].sum(axis=1), arr[:, 7:11].sum(axis=1)
        ax = axes[0, 0]
        ax.step(hours, queued, where="post", color="black", label=_("calls waiting"))
        ax.step(hours, busy, where="post", color="#d62728", label=_("units busy"))
        ax.step(hours, duty, where="post", color="#2e8b57", ls=":", label=_("units on duty"))
        ax.legend(fontsize=7)
        util = np.divide(busy, duty, out=np.zeros_like(busy), where=duty > 0)
        axes[1, 1].step(hours, util * 100, where="post", color="#d62728", label=_("utilisation (%)"))
    axes[0, 0].set_title(_("Calls waiting, units busy (hourly)"), fontsize=9)
    calls = [c for c in model.calls if c.t_arrival >= start and not math.isnan(c.t_on_scene)]
    ax = axes[0, 1]
    for p, colour in ((1, "#d62728"), (2, "#ff8c00"), (3, "#1f77b4"), (4, "#7f7f7f")):
        sel = [c for c in calls if c.priority == p]
        if sel:
            ax.scatter([c.t_arrival / 60 for c in sel], [c.t_on_scene - c.t_arrival for c in sel], s=10,
                       color=colour, label=f"P{p}")
    if calls:
        ax.legend(fontsize=7)
    ax.set_title(_("Response time of each call (min)"), fontsize=9)
    crimes = sorted(r[2] for r in model.incidents if r[2] >= start)
    axes[1, 0].step(np.array([start] + crimes + [now]) / MIN_PER_HOUR, list(range(len(crimes) + 1)) + [len(crimes)],
                    where="post", color="#8b0000")
    axes[1, 0].set_title(_("Crimes since the start"), fontsize=9)
    ax = axes[1, 1]
    ax.set_title(_("Utilisation (%), satisfaction"), fontsize=9)
    if model.community is not None:
        rated = sorted((c.t_clear, model.community.call_satisfaction[c.call_id]) for c in model.calls
                       if c.call_id in model.community.call_satisfaction and c.t_arrival >= start)
        if rated:
            t = np.array([r[0] for r in rated]) / MIN_PER_HOUR
            mean = np.cumsum([r[1] for r in rated]) / np.arange(1, len(rated) + 1)
            ax.plot(t, mean * 100, color="#1f77b4", label=_("satisfaction (mean, x100)"))
    ax.set_ylim(0, 105)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower left")
    for ax in axes.ravel():
        ax.set_xlim(start / MIN_PER_HOUR, max(now, start + 60) / MIN_PER_HOUR)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
