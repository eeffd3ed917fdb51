"""Figures drawn from records (tables and the district), never from live agents,
so a figure can be redrawn from the files of a finished run.

The helpers shared by every figure module (issue 23): ``mark_targets`` labels
target lines above the axes in rows so no two labels overlap, ``tail_cut``
cuts a long-tailed time axis at the range that matters and says so, and
``percent_axis`` shows a 0-1 share as a percentage. tests/test_figures.py
renders every figure and checks it (sim/output/figure_check.py).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402
from matplotlib.transforms import blended_transform_factory, offset_copy  # noqa: E402

from sim.core.land_use import LAND_USES  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402
from sim.i18n.terms import term  # noqa: E402

_ = Translator("reports")

LAND_USE_COLOURS = {"residential": "#f2e6d0", "commercial": "#f7b267", "market": "#e07a5f",
                    "school": "#9ad1d4", "park": "#a7c957", "farmland": "#dde5b6",
                    "road": "#adb5bd", "mountain": "#6c584c", "office": "#1d3557", "outside": "#ffffff"}

# a time axis ends at this percentile of the values drawn (issue 23: "cut at the range that matters")
TAIL_PERCENTILE = 99.0
# ... but never beyond this multiple of the largest target: past 4 x 10 min no target's reading changes, and
# a tail of calls queued for hours would squeeze the 3/8/10-minute marks into the first pixels; assumption
TAIL_MAX_TARGET_MULTIPLE = 4.0
TAIL_MARGIN = 1.05  # 5% room right of the cut, so the last step and target line are not on the frame


def percent_axis(axis, decimals: int | None = None) -> None:
    """Show a 0-1 share on ``axis`` (ax.xaxis / ax.yaxis) as a percentage."""
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))


def tail_cut(values, targets=()) -> tuple[float, str]:
    """(where a time axis ends, a note saying so): the TAIL_PERCENTILE-th
    percentile of all ``values`` (pooled), at least the largest target, at
    most TAIL_MAX_TARGET_MULTIPLE times it, plus a margin. The note is "" when
    nothing is cut."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    largest = max(targets, default=0.0)
    if not len(x):
        return max(largest, 1.0) * TAIL_MARGIN, ""
    pct = float(np.percentile(x, TAIL_PERCENTILE))
    cut = max(pct, largest)
    capped = largest > 0 and cut > TAIL_MAX_TARGET_MULTIPLE * largest
    if capped:
        cut = TAIL_MAX_TARGET_MULTIPLE * largest
    cut *= TAIL_MARGIN
    beyond = float((x > cut).mean())
    if not beyond:
        return cut, ""
    if capped:  # the reason (TAIL_MAX_TARGET_MULTIPLE) is in the README; the figure says what is hidden
        return cut, _("axis cut at {cut:.0f} min: {beyond:.1%} of calls took longer (99th percentile "
                      "{pct:.0f} min)").format(cut=cut, beyond=beyond, pct=pct)
    return cut, _("axis cut at the 99th percentile, {cut:.0f} min: {beyond:.1%} of calls took longer").format(
        cut=cut, beyond=beyond)


def mark_targets(ax, targets, fontsize: float = 7.5, color: str = "0.35") -> float:
    """Dashed vertical lines at ``targets`` [(x, label), ...], labelled above
    the axes; a label that would overlap its left neighbour goes one row up.
    Returns the title pad (points) that clears the label rows: pass it to
    ``ax.set_title(..., pad=)``. Call after the x limits are set."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    x0, x1 = ax.get_xlim()
    width_px = ax.get_window_extent(renderer).width or 1.0
    base = blended_transform_factory(ax.transData, ax.transAxes)
    row_h = fontsize * 1.35  # points
    ends: list[float] = []  # per row: the right end of its last label, axes fraction
    for x, label in sorted(targets):
        if not x0 <= x <= x1:
            continue
        ax.axvline(x, color=color, linestyle="--", linewidth=1, zorder=1)
        probe = ax.text(0, 0, label, fontsize=fontsize)
        half = probe.get_window_extent(renderer).width / width_px / 2 + 0.01
        probe.remove()
        frac = (x - x0) / (x1 - x0)
        # centred on its line; near an edge of the axes it starts (ends) at the line instead, so it never
        # reaches over the tick labels beside the axes
        ha, left = ("left", frac) if frac - half < 0 else ("right", frac - 2 * half) if frac + half > 1 else (
            "center", frac - half)
        row = next((i for i, end in enumerate(ends) if left > end), len(ends))
        if row == len(ends):
            ends.append(-1.0)
        ends[row] = left + 2 * half
        ax.text(x, 1.0, label, fontsize=fontsize, color=color, ha=ha, va="bottom",
                transform=offset_copy(base, fig=fig, y=2 + row * row_h, units="points"), clip_on=False)
    return 6.0 + len(ends) * row_h


def response_time_fig(calls: pa.Table):
    """Histogram of response times per priority, with the 3- and 10-minute
    targets; the axis cut at the range that matters (``tail_cut``) (the Figure)."""
    use_cjk_fonts()
    resp = calls["response_min"].to_numpy(zero_copy_only=False)
    prio = calls["priority"].to_numpy()
    ok = ~np.isnan(resp)
    targets = ((3.0, _("3-min arrival target")), (10.0, _("10-min goal")))
    cut, note = tail_cut(resp[ok], [t for t, _label in targets])
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    bins = np.linspace(0, max(cut, 12.0), 40)
    for k in sorted(set(prio[ok].tolist())):
        ax.hist(np.minimum(resp[ok & (prio == k)], bins[-1]), bins=bins, histtype="step", linewidth=1.5,
                label=_("priority {k}").format(k=k))
    ax.set_xlim(0, bins[-1])
    pad = mark_targets(ax, targets)
    xlabel = _("response time (min) = wait for a unit + turnout + travel")
    ax.set_xlabel(xlabel + ("\n" + _("{note}, in the last bar").format(note=note) if note else ""))
    ax.set_ylabel(_("calls"))
    ax.set_title(_("Response times ({n} calls reached)").format(n=int(ok.sum())), pad=pad)
    if ax.get_legend_handles_labels()[0]:  # no call reached anyone: nothing to label
        ax.legend(fontsize=8)
    return fig


def response_time_figure(calls: pa.Table, path: str) -> None:
    fig = response_time_fig(calls)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def incident_map_fig(district, incidents: pa.Table):
    """Land use, incidents (reported and not), offices and beat boundaries (the Figure)."""
    use_cjk_fonts()
    w_m, h_m = district.extent_m
    # the map 7 in wide, its key (markers and land uses) beside it; at least tall enough for the key
    fig, ax = plt.subplots(figsize=(9.4, max(7 * h_m / w_m + 0.6, 3.6)), layout="constrained")
    draw_incident_map(ax, district, incidents)
    return fig


def incident_map_figure(district, incidents: pa.Table, path: str) -> None:
    fig = incident_map_fig(district, incidents)
    fig.savefig(path, dpi=110, bbox_inches="tight")  # the key beside the map
    plt.close(fig)


def draw_incident_map(ax, district, incidents: pa.Table) -> None:
    """The incident map on ``ax``. A district from GIS files also gets its
    outline and roads, and everything is drawn in its metric CRS
    (easting/northing in metres, as the GIS layers and cells.gpkg are: true
    shapes and distances, where lon/lat axes would stretch east-west by
    1/cos(latitude), twice at Helsinki); an invented one in model metres."""
    use_cjk_fonts()
    w_m, h_m = district.extent_m
    geo = district.geo
    x0, y0 = (geo.x0, geo.y0) if geo is not None else (0.0, 0.0)  # model metres -> the map's coordinates
    cmap = ListedColormap([LAND_USE_COLOURS[u] for u in LAND_USES])
    ax.imshow(district.land_use.T, origin="lower", extent=(x0, x0 + w_m, y0, y0 + h_m), cmap=cmap,
              vmin=-0.5, vmax=len(LAND_USES) - 0.5, interpolation="nearest")
    if geo is not None:
        _draw_lines(ax, geo.roads(), x0, y0, colors="#6c757d", linewidths=0.6, label=_("roads"))
        _draw_lines(ax, geo.outline().boundary, x0, y0, colors="#1d3557", linewidths=1.6,
                    label=_("district outline"))
    beat = district.beat
    size = district.cell_size_m
    xs, ys = np.nonzero(beat[1:, :] != beat[:-1, :])  # vertical boundary segments
    ax.vlines(x0 + (xs + 1) * size, y0 + ys * size, y0 + (ys + 1) * size, colors="k", linewidth=0.8)
    xs, ys = np.nonzero(beat[:, 1:] != beat[:, :-1])  # horizontal boundary segments
    ax.hlines(y0 + (ys + 1) * size, x0 + xs * size, x0 + (xs + 1) * size, colors="k", linewidth=0.8)
    x = incidents["x_m"].to_numpy() + x0
    y = incidents["y_m"].to_numpy() + y0
    rep = incidents["reported"].to_numpy(zero_copy_only=False).astype(bool)
    ax.scatter(x[rep], y[rep], s=6, c="crimson", label=_("reported crime ({n})").format(n=rep.sum()))
    ax.scatter(x[~rep], y[~rep], s=6, c="purple", marker="x", label=_("unreported ({n})").format(n=(~rep).sum()))
    ox, oy = district.cell_centre_m(*np.array(district.offices).T)
    ax.scatter(ox + x0, oy + y0, s=120, marker="*", c="gold", edgecolors="k", label=_("office"), zorder=5)
    ax.set_xlim(x0, x0 + w_m)
    ax.set_ylim(y0, y0 + h_m)
    if geo is not None:
        crs = _crs_name(geo.metric_crs)
        ax.set_xlabel(_("easting (m, {crs})").format(crs=crs))
        ax.set_ylabel(_("northing (m)"))
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.tick_params(axis="x", labelrotation=30)
    else:
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
    ax.set_title(_("Incidents, offices and beat boundaries"))
    # one key beside the map (never over offices): what is drawn, then the land uses the district has
    handles, labels = ax.get_legend_handles_labels()
    handles.append(plt.Line2D([], [], color="k", linewidth=0.8))
    labels.append(_("beat boundary"))
    for i in np.unique(district.land_use):
        use = LAND_USES[int(i)]
        handles.append(Patch(facecolor=LAND_USE_COLOURS[use], edgecolor="0.6", linewidth=0.5))
        labels.append(_("office premises") if use == "office" else term(use))
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, frameon=False,
              title=_("key (land use: cell colour)"), title_fontsize=8, alignment="left")


def _draw_lines(ax, geometry, dx: float, dy: float, **style) -> None:
    """The lines of a shapely geometry (model metres), shifted by (dx, dy), as one collection."""
    import shapely
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(shapely.line_merge(geometry) if geometry.geom_type == "MultiLineString" else geometry)
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        return
    coords, index = shapely.get_coordinates(parts, return_index=True)
    coords = coords + (dx, dy)
    breaks = np.flatnonzero(np.diff(index)) + 1
    ax.add_collection(LineCollection(np.split(coords, breaks), zorder=3, **style))


def _crs_name(wkt: str) -> str:
    """A CRS for an axis label, e.g. 'WGS 84 / UTM zone 35N, EPSG:32635' (its name alone without an EPSG code)."""
    import pyproj

    crs = pyproj.CRS.from_user_input(wkt)
    code = crs.to_epsg()
    return f"{crs.name}, EPSG:{code}" if code else crs.name


def crime_model_figure(default, mobile, path: str) -> None:
    fig = crime_model_fig(default, mobile)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def crime_model_fig(default, mobile):
    """The crime model on one page (README): what an attempt goes through, and
    the three effect curves with their configured defaults (CrimeConfig) (the Figure)."""
    use_cjk_fonts()
    fig = plt.figure(figsize=(14, 7.5))
    grid = fig.add_gridspec(2, 3, height_ratios=[0.55, 1.0])
    flow = fig.add_subplot(grid[0, :])
    flow.axis("off")
    steps = [_("offender's next attempt\n(Poisson; skipped while\narrested)"),
             _("crime type by hour of day;\ntarget = attractiveness^k\nx distance decay from home\n"
               "x near-repeat risk"),
             _("hazard = staff nearby\n+ camera + residents at home\n+ residual deterrence\n"
               "(fraud: awareness instead)"),
             _("deterred with\n1 - exp(-hazard)?\nmobile offender:\nstrike next door"),
             _("crime: victim, report?\n(witnesses, cameras)\ncall after a delay"),
             _("call served: arrest with\nthe clearance probability;\noffender off the street\n15 days")]
    for i, text in enumerate(steps):
        x = 0.08 + i * 0.168
        flow.text(x, 0.5, text, ha="center", va="center", fontsize=8, transform=flow.transAxes,
                  bbox={"boxstyle": "round,pad=0.4", "fc": "#eef3fb", "ec": "#4a6fa5"})
        if i < len(steps) - 1:
            flow.annotate("", xy=(x + 0.168, 0.5), xytext=(x, 0.5), xycoords="axes fraction",
                          arrowprops={"arrowstyle": "->", "color": "#4a6fa5", "shrinkA": 72, "shrinkB": 72})
    flow.set_title(_("One crime attempt (sim/policing/crime.py, sim/agents/offender.py)"), fontsize=11)
    deterred = _("attempts deterred")

    ax = fig.add_subplot(grid[1, 0])
    d = np.linspace(0, 500, 300)
    for cfg, label in ((default, _("default")), (mobile, _("mobile offenders"))):
        w = np.where(d <= cfg.guardian_radius_m, 1.0,
                     np.exp(-(d - cfg.guardian_radius_m) / cfg.diffusion_m) if cfg.diffusion_m > 0 else 0.0)
        ax.plot(d, 1 - np.exp(-cfg.deterrence_per_guardian * w), label=label)
    ax.set(xlabel=_("distance from one guardian (m)"), ylabel=deterred,
           title=_("Presence: reach and diffusion"))
    ax.legend(fontsize=8)

    ax = fig.add_subplot(grid[1, 1])
    t = np.linspace(0, 120, 240)
    for dwell in (1, 5, 10, 15, 30):
        h = default.residual_max * (1 - np.exp(-dwell / default.residual_build_min))
        ax.plot(t, 1 - np.exp(-h * np.exp(-t / default.residual_decay_min)),
                label=_("stop of {minutes} min").format(minutes=dwell))
    ax.set(xlabel=_("time since the patroller left (min)"), ylabel=_("attempts deterred at the spot"),
           title=_("Residual deterrence (Koper 1995)"))
    ax.legend(fontsize=8)
    for ax in fig.axes[1:]:
        percent_axis(ax.yaxis)

    ax = fig.add_subplot(grid[1, 2])
    days = np.linspace(0, 42, 200)
    ax.plot(days, 1 + default.near_repeat_boost * np.exp(-days / default.near_repeat_days))
    ax.axhline(1, color="grey", lw=0.8)
    ax.set(xlabel=_("time since a burglary (days)"),
           ylabel=_("burglary attractiveness, times the usual\n(within {radius:.0f} m)").format(
               radius=default.near_repeat_radius_m),
           title=_("Near repeat (Johnson et al. 2007)"))
    fig.tight_layout()
    return fig
