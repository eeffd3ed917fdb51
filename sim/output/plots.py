"""Figures drawn from records (tables and the district), never from live agents,
so a figure can be redrawn from the files of a finished run."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

from sim.core.land_use import LAND_USES  # noqa: E402
from sim.i18n import Translator  # noqa: E402
from sim.i18n.fonts import use_cjk_fonts  # noqa: E402

_ = Translator("reports")

LAND_USE_COLOURS = {"residential": "#f2e6d0", "commercial": "#f7b267", "market": "#e07a5f",
                    "school": "#9ad1d4", "park": "#a7c957", "farmland": "#dde5b6",
                    "road": "#adb5bd", "mountain": "#6c584c", "office": "#1d3557", "outside": "#ffffff"}


def response_time_fig(calls: pa.Table):
    """Histogram of response times per priority, with the 3- and 10-minute targets (the Figure)."""
    use_cjk_fonts()
    resp = calls["response_min"].to_numpy(zero_copy_only=False)
    prio = calls["priority"].to_numpy()
    ok = ~np.isnan(resp)
    fig, ax = plt.subplots(figsize=(7, 4))
    top = np.percentile(resp[ok], 99) if ok.any() else 10.0
    bins = np.linspace(0, max(top, 12.0), 40)
    for k in sorted(set(prio[ok].tolist())):
        ax.hist(resp[ok & (prio == k)], bins=bins, histtype="step", linewidth=1.5,
                label=_("priority {k}").format(k=k))
    for target, label in ((3, _("3-min arrival target")), (10, _("10-min goal"))):
        ax.axvline(target, color="grey", linestyle="--", linewidth=1)
        ax.text(target, ax.get_ylim()[1] * 0.95, f" {label}", fontsize=8, va="top")
    ax.set_xlabel(_("response time (min) = wait for a unit + turnout + travel"))
    ax.set_ylabel(_("calls"))
    ax.set_title(_("Response times ({n} calls reached)").format(n=int(ok.sum())))
    if ax.get_legend_handles_labels()[0]:  # no call reached anyone: nothing to label
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def response_time_figure(calls: pa.Table, path: str) -> None:
    fig = response_time_fig(calls)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def incident_map_fig(district, incidents: pa.Table):
    """Land use, incidents (reported and not), offices and beat boundaries (the Figure)."""
    use_cjk_fonts()
    w_m, h_m = district.extent_m
    fig, ax = plt.subplots(figsize=(7, 7 * h_m / w_m + 0.5))
    draw_incident_map(ax, district, incidents)
    fig.tight_layout()
    return fig


def incident_map_figure(district, incidents: pa.Table, path: str) -> None:
    fig = incident_map_fig(district, incidents)
    fig.savefig(path, dpi=110, bbox_inches="tight" if district.geo is not None else None)  # the key beside
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
    if geo is not None:  # a real place fills its frame: the key beside the map, not over offices
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    else:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)


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
    """The crime model on one page (README): what an attempt goes through, and
    the three effect curves with their configured defaults (CrimeConfig)."""
    fig = plt.figure(figsize=(14, 7.5))
    grid = fig.add_gridspec(2, 3, height_ratios=[0.55, 1.0])
    flow = fig.add_subplot(grid[0, :])
    flow.axis("off")
    steps = ["offender's next attempt\n(Poisson; skipped while\narrested)",
             "crime type by hour of day;\ntarget = attractiveness^k\nx distance decay from home\nx near-repeat risk",
             "hazard = staff nearby\n+ camera + residents at home\n+ residual deterrence\n(fraud: awareness instead)",
             "deterred with\n1 - exp(-hazard)?\nmobile offender:\nstrike next door",
             "crime: victim, report?\n(witnesses, cameras)\ncall after a delay",
             "call served: arrest with\nclearance_prob, offender\noff the street 15 days"]
    for i, text in enumerate(steps):
        x = 0.08 + i * 0.168
        flow.text(x, 0.5, text, ha="center", va="center", fontsize=8, transform=flow.transAxes,
                  bbox={"boxstyle": "round,pad=0.4", "fc": "#eef3fb", "ec": "#4a6fa5"})
        if i < len(steps) - 1:
            flow.annotate("", xy=(x + 0.168, 0.5), xytext=(x, 0.5), xycoords="axes fraction",
                          arrowprops={"arrowstyle": "->", "color": "#4a6fa5", "shrinkA": 72, "shrinkB": 72})
    flow.set_title("One crime attempt (sim/policing/crime.py, sim/agents/offender.py)", fontsize=11)

    ax = fig.add_subplot(grid[1, 0])
    d = np.linspace(0, 500, 300)
    for cfg, label in ((default, "default"), (mobile, "mobile offenders")):
        w = np.where(d <= cfg.guardian_radius_m, 1.0,
                     np.exp(-(d - cfg.guardian_radius_m) / cfg.diffusion_m) if cfg.diffusion_m > 0 else 0.0)
        ax.plot(d, 1 - np.exp(-cfg.deterrence_per_guardian * w), label=label)
    ax.set(xlabel="distance from one guardian (m)", ylabel="P(attempt deterred)",
           title="Presence: reach and diffusion")
    ax.legend(fontsize=8)

    ax = fig.add_subplot(grid[1, 1])
    t = np.linspace(0, 120, 240)
    for dwell in (1, 5, 10, 15, 30):
        h = default.residual_max * (1 - np.exp(-dwell / default.residual_build_min))
        ax.plot(t, 1 - np.exp(-h * np.exp(-t / default.residual_decay_min)), label=f"stop of {dwell} min")
    ax.set(xlabel="minutes after the patroller left", ylabel="P(attempt deterred) at the spot",
           title="Residual deterrence (Koper 1995)")
    ax.legend(fontsize=8)

    ax = fig.add_subplot(grid[1, 2])
    days = np.linspace(0, 42, 200)
    ax.plot(days, 1 + default.near_repeat_boost * np.exp(-days / default.near_repeat_days))
    ax.axhline(1, color="grey", lw=0.8)
    ax.set(xlabel="days since a burglary", ylabel=f"burglary attractiveness x (within {default.near_repeat_radius_m:.0f} m)",
           title="Near repeat (Johnson et al. 2007)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
