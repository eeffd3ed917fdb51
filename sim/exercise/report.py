"""after_action.html: what happened, and what the room's decisions changed.

Read from the files of a finished exercise (the run folder and its
``counterfactual/``), never from live objects, so the report can be redrawn
without re-running. One self-contained page: the briefing, the KPIs side by
side (with the room's decisions, without them, the difference), the timeline
of injects and decisions, and four charts with the decisions marked. Every
KPI cell carries ``data-key``, ``data-run`` and the exact ``data-value`` from
summary.json, so the page can be checked against the summaries.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from sim.core.outdir import write_atomic
from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR
from sim.exercise.session import clock
from sim.i18n import N_, Translator, current_language
from sim.i18n.terms import term

_ = Translator("exercise")

COUNTERFACTUAL_DIR = "counterfactual"
# (summary key, label, format, better: +1 higher is better, -1 lower is better, 0 neither); labels translated when shown
KPIS = (
    ("calls_total", N_("calls"), "{:d}", 0),
    ("calls_served", N_("calls served"), "{:d}", 1),
    ("calls_open_at_end", N_("calls still open at the end"), "{:d}", -1),
    ("response_time_mean_min", N_("response time, mean (min)"), "{:.1f}", -1),
    ("response_time_p90_min", N_("response time, 90th percentile (min)"), "{:.1f}", -1),
    ("emergency_share_within_3min", N_("priority-1 calls reached within 3 min"), "{:.1%}", 1),
    ("share_within_10min", N_("calls reached within 10 min"), "{:.1%}", 1),
    ("p_wait", N_("calls that waited for a unit"), "{:.1%}", -1),
    ("wait_mean_min", N_("wait for a unit, mean (min)"), "{:.1f}", -1),
    ("exercise_major_incident_response_min", N_("major incident: all units on scene after (min)"), "{:.1f}", -1),
    ("exercise_major_incidents_unreached", N_("major incidents never fully staffed"), "{:d}", -1),
    ("exercise_inject_calls", N_("calls made by the injects"), "{:d}", 0),
    ("crimes_total", N_("crimes"), "{:d}", -1),
    ("crimes_reported", N_("crimes reported"), "{:d}", 0),
    ("exercise_fraud_refused", N_("fraud attempts refused by aware residents"), "{:d}", 1),
    ("utilization_officer", N_("officer utilisation"), "{:.1%}", 0),
    ("utilization_auxiliary", N_("auxiliary utilisation"), "{:.1%}", 0),
    ("utilization_volunteer", N_("volunteer and grid-worker utilisation"), "{:.1%}", 0),
    ("satisfaction_mean", N_("residents' satisfaction, mean (0-1)"), "{:.3f}", 1),
    ("exercise_staff_hours_called_in", N_("staff hours called in (reserves, overtime)"), "{:.1f}", 0),
    ("exercise_staff_off_sick", N_("staff off sick"), "{:d}", 0),
)
RUNS = (("exercise", N_("with the room's decisions")), ("counterfactual", N_("without them (same seed, same injects)")))
CATEGORIES = {"inject": N_("inject"), "action": N_("decision")}  # decisions.parquet's category, as the report says it


def fmt(value, pattern: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _("n/a")
    if pattern == "{:d}":
        return pattern.format(int(round(value)))
    return pattern.format(value)


def kpi_rows(summaries: dict[str, dict | None]) -> list[dict]:
    """One row per KPI: the values of each run and the difference (exercise - counterfactual)."""
    rows = []
    for key, label, pattern, better in KPIS:
        values = {run: (s or {}).get(key) for run, s in summaries.items()}
        a, b = values.get("exercise"), values.get("counterfactual")
        diff = a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
        rows.append({"key": key, "label": label, "pattern": pattern, "better": better,
                     "values": values, "diff": diff})
    return rows


def _diff_text(row) -> tuple[str, str]:
    d = row["diff"]
    if d is None:
        return _("n/a"), ""
    pattern = row["pattern"]
    if pattern.endswith("%}"):
        text = _("{points:+.1f} pts").format(points=d * 100)
    elif pattern == "{:d}":
        text = f"{int(round(d)):+d}"
    else:
        text = "{:+.{p}f}".format(d, p=int(pattern[3]) if pattern[2] == "." else 1)
    if abs(d) < 1e-12 or row["better"] == 0:
        return text, ""
    return text, "better" if d * row["better"] > 0 else "worse"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _mark_decisions(ax, decisions: list[dict]) -> None:
    for d in decisions:
        color = "#c0392b" if d["category"] == "inject" else "#2471a3"
        ax.axvline(d["t_min"] / MIN_PER_HOUR, color=color, lw=0.8, ls="--", alpha=0.7)


def charts(dirs: dict[str, Path], decisions: list[dict], start_min: float) -> list[tuple[str, str]]:
    """(title, base64 PNG) of the four charts, both runs on each, in the current language."""
    import matplotlib

    out = []
    rc = _chart_rc()
    for title, fig in chart_figures(dirs, decisions, start_min):
        with matplotlib.rc_context(rc):
            out.append((title, _png(fig)))
    return out


def _chart_rc() -> dict:
    """The fonts as a context around drawing AND saving each chart: a server (the tabletop) may reset the
    global rcParams after our first call, and its threads share them."""
    from sim.i18n.fonts import use_cjk_fonts

    family = use_cjk_fonts()  # Chinese titles, axes and legends need a CJK font (fonts-noto-cjk)
    return {"font.family": ["DejaVu Sans", family] if family else ["DejaVu Sans"], "axes.unicode_minus": False}


def chart_figures(dirs: dict[str, Path], decisions: list[dict], start_min: float) -> list[tuple[str, object]]:
    """(title, matplotlib Figure) of the four charts, both runs on each: calls
    waiting, units busy, each call's response time, crimes since the start;
    the injects and decisions marked."""
    import matplotlib
    from matplotlib.figure import Figure

    rc = _chart_rc()
    styles = {"exercise": dict(color="#1f77b4", label=_("with decisions")),
              "counterfactual": dict(color="#7f7f7f", ls=":", label=_("without"))}
    ts = {run: pq.read_table(d / "timeseries.parquet").to_pandas() for run, d in dirs.items()}
    calls = {run: pq.read_table(d / "calls.parquet").to_pandas() for run, d in dirs.items()}
    inc = {run: pq.read_table(d / "incidents.parquet").to_pandas() for run, d in dirs.items()}
    out = []

    def panel(title, draw, ylabel):
        with matplotlib.rc_context(rc):
            fig = Figure(figsize=(7.5, 2.8), layout="constrained")
            ax = fig.subplots()
            for run in dirs:
                draw(ax, run, styles[run])
            _mark_decisions(ax, decisions)
            ax.set_xlim(left=start_min / MIN_PER_HOUR)
            ax.set_xlabel(_("time on the run's clock (h); dashed lines: injects red, decisions blue"))
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
            ax.legend(loc="upper left", fontsize=8)
            out.append((title, fig))

    panel(_("Calls waiting for a unit"), lambda ax, r, s: ax.step(ts[r]["t_min"] / MIN_PER_HOUR,
                                                                    ts[r]["calls_queued"], where="post", **s),
          _("calls queued"))

    def busy(ax, r, s):
        t = ts[r]
        ax.step(t["t_min"] / MIN_PER_HOUR, t[[c for c in t.columns if c.startswith("busy_")]].sum(axis=1), where="post", **s)
    panel(_("Units busy on calls"), busy, _("units busy"))

    def response(ax, r, s):
        c = calls[r][calls[r]["t_arrival_min"] >= start_min]
        marker = "o" if r == "exercise" else "x"
        ax.scatter(c["t_arrival_min"] / MIN_PER_HOUR, c["response_min"], s=12, marker=marker, color=s["color"],
                   label=s["label"], alpha=0.8)
    panel(_("Response time of each call, by when it came in"), response, _("response time (min)"))

    def crimes(ax, r, s):
        t = np.sort(inc[r]["t_min"].to_numpy())
        t = t[t >= start_min]
        ax.step(np.concatenate([[start_min], t]) / MIN_PER_HOUR, np.arange(len(t) + 1), where="post", **s)
    panel(_("Crimes since the exercise began"), crimes, _("crimes"))
    return out


def _authored(text: str, tag: str = "span", cls: str = "") -> str:
    """Text the script's author wrote (title, briefing, notes): shown as written,
    escaped, never looked up in the catalogue; marked so checks can tell it apart."""
    return f'<{tag} class="authored{" " + cls if cls else ""}">{html.escape(text)}</{tag}>'


def render(cfg, summaries: dict[str, dict | None], decisions: list[dict], chart_pngs: list[tuple[str, str]]) -> str:
    """The page in the current language (``lang``); the script's own words as written."""
    ex = cfg.exercise
    lang = current_language()
    runs = [(r, _(label)) for r, label in RUNS if summaries.get(r) is not None]
    esc = html.escape
    start, end = cfg.sim.warmup_days * MIN_PER_DAY, cfg.sim.days * MIN_PER_DAY
    title = ex.shown_title(lang) or ex.name
    page_title = (_("After-action report: {title}").format(title=title) if title
                  else _("After-action report: free play"))
    heading = (_("After-action report: {title}").format(title=_authored(title)) if title
               else esc(_("After-action report: free play")))
    intro = _("District {district}, seed {seed} (root seed {root_seed}); exercise from {start} to {end}. The "
              "counterfactual is the same seed with the same injects at the same times and none of the room's "
              "decisions: every difference below is what the decisions changed (one seed: a single play, not an "
              "average).").format(district=f"<b><code>{esc(cfg.district.name)}</code></b>", seed=cfg.seed,
                                  root_seed=cfg.root_seed, start=f"<b>{esc(clock(start))}</b>",
                                  end=f"<b>{esc(clock(end))}</b>")
    head = f"""<!doctype html><html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{esc(page_title)}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em auto; max-width: 62em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border: 1px solid #ccc; padding: 4px 8px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }} th {{ background: #f2f2f2; }}
.better {{ color: #1e7b34; font-weight: bold; }} .worse {{ color: #b03a2e; font-weight: bold; }}
tr.inject td:first-child {{ border-left: 4px solid #c0392b; }} tr.action td:first-child {{ border-left: 4px solid #2471a3; }}
pre.briefing {{ white-space: pre-wrap; background: #f8f8f8; padding: 1em; font-family: inherit; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{heading}</h1>
<p>{intro}</p>
"""
    parts = [head]
    briefing = ex.shown_briefing(lang)
    if briefing:
        parts.append(f"<h2>{esc(_('Briefing'))}</h2>" + _authored(briefing, "pre", "briefing"))
    parts.append(f'<h2>{esc(_("Key figures"))}</h2><table id="kpis"><tr><th>{esc(_("measure"))}</th>'
                 + "".join(f"<th>{esc(label)}</th>" for _run, label in runs)
                 + (f"<th>{esc(_('difference'))}</th>" if len(runs) == 2 else "") + "</tr>")
    for row in kpi_rows({r: summaries.get(r) for r, _label in runs}):
        cells = []
        for run, _label in runs:
            v = row["values"][run]
            cells.append(f'<td class="num" data-key="{row["key"]}" data-run="{run}" '
                         f'data-value="{esc(json.dumps(v))}">{fmt(v, row["pattern"])}</td>')
        if len(runs) == 2:
            text, cls = _diff_text(row)
            cells.append(f'<td class="num {cls}">{esc(text)}</td>')
        label = row["label"]  # marked in KPIS (N_)
        parts.append(f'<tr><td>{esc(_(label))}</td>{"".join(cells)}</tr>')
    parts.append("</table>")
    parts.append(f'<h2>{esc(_("Timeline"))}</h2><table id="timeline"><tr><th>{esc(_("time"))}</th>'
                 f'<th>{esc(_("who"))}</th><th>{esc(_("what"))}</th><th>{esc(_("note"))}</th>'
                 f'<th>{esc(_("effect"))}</th></tr>')
    for d in decisions:
        who = _("{source} ({category})").format(source=term(d["source"]),
                                                category=_(CATEGORIES.get(d["category"], d["category"])))
        parts.append(f'<tr class="{esc(d["category"])}" data-t-min="{d["t_min"]!r}"><td>{esc(clock(d["t_min"]))}</td>'
                     f'<td>{esc(who)}</td><td>{esc(term(d["kind"]))}</td>'
                     f'<td>{_authored(d["note"])}</td><td>{esc(d["effect"])}</td></tr>')
    if not decisions:
        parts.append(f'<tr><td colspan="5">{esc(_("no injects or decisions"))}</td></tr>')
    parts.append(f"</table><h2>{esc(_('Charts'))}</h2>")
    for chart_title, png in chart_pngs:
        parts.append(f"<h3>{esc(chart_title)}</h3><img alt=\"{esc(chart_title)}\" src=\"data:image/png;base64,{png}\">")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def where_lines(out: Path, counterfactual: bool = True) -> list[str]:
    """Where a finished exercise's files are (the headless run's last lines; the
    page's end): the report, the counterfactual folder, the decision log."""
    lines = [_("After-action report: {path}").format(path=out / "after_action.html")]
    if counterfactual:
        lines.append(_("Counterfactual (the same seed without the room's decisions): {path}").format(
            path=out / COUNTERFACTUAL_DIR))
    lines.append(_("Decision log: {path}").format(path=out / "decisions.parquet"))
    return lines


def write_report(out: Path, cfg, summary: dict, counterfactual: dict | None) -> Path:
    dirs = {"exercise": out}
    if counterfactual is not None:
        dirs["counterfactual"] = out / COUNTERFACTUAL_DIR
    decisions = pq.read_table(out / "decisions.parquet").to_pylist()
    page = render(cfg, {"exercise": summary, "counterfactual": counterfactual}, decisions,
                  charts(dirs, decisions, cfg.sim.warmup_days * MIN_PER_DAY))
    path = out / "after_action.html"
    with write_atomic(path) as f:
        f.write(page)
    return path
