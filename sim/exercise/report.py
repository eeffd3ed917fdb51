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

from sim.core.units import MIN_PER_DAY, MIN_PER_HOUR
from sim.exercise.session import clock
from sim.core.outdir import write_atomic

COUNTERFACTUAL_DIR = "counterfactual"
# (summary key, label, format, better: +1 higher is better, -1 lower is better, 0 neither)
KPIS = (
    ("calls_total", "calls", "{:d}", 0),
    ("calls_served", "calls served", "{:d}", 1),
    ("calls_open_at_end", "calls still open at the end", "{:d}", -1),
    ("response_time_mean_min", "response time, mean (min)", "{:.1f}", -1),
    ("response_time_p90_min", "response time, 90th percentile (min)", "{:.1f}", -1),
    ("emergency_share_within_3min", "priority-1 calls reached within 3 min", "{:.1%}", 1),
    ("share_within_10min", "calls reached within 10 min", "{:.1%}", 1),
    ("p_wait", "calls that waited for a unit", "{:.1%}", -1),
    ("wait_mean_min", "wait for a unit, mean (min)", "{:.1f}", -1),
    ("exercise_major_incident_response_min", "major incident: all units on scene after (min)", "{:.1f}", -1),
    ("exercise_major_incidents_unreached", "major incidents never fully staffed", "{:d}", -1),
    ("exercise_inject_calls", "calls made by the injects", "{:d}", 0),
    ("crimes_total", "crimes", "{:d}", -1),
    ("crimes_reported", "crimes reported", "{:d}", 0),
    ("exercise_fraud_refused", "fraud attempts refused by aware residents", "{:d}", 1),
    ("utilization_officer", "officer utilisation", "{:.1%}", 0),
    ("utilization_auxiliary", "auxiliary utilisation", "{:.1%}", 0),
    ("utilization_volunteer", "volunteer and grid-worker utilisation", "{:.1%}", 0),
    ("satisfaction_mean", "residents' satisfaction, mean (0-1)", "{:.3f}", 1),
    ("exercise_staff_hours_called_in", "staff hours called in (reserves, overtime)", "{:.1f}", 0),
    ("exercise_staff_off_sick", "staff off sick", "{:d}", 0),
)
RUNS = (("exercise", "with the room's decisions"), ("counterfactual", "without them (same seed, same injects)"))


def fmt(value, pattern: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
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
        return "n/a", ""
    pattern = row["pattern"]
    if pattern.endswith("%}"):
        text = f"{d * 100:+.1f} pts"
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
    """(title, base64 PNG) of the four charts, both runs on each."""
    from matplotlib.figure import Figure

    styles = {"exercise": dict(color="#1f77b4", label="with decisions"),
              "counterfactual": dict(color="#7f7f7f", ls=":", label="without")}
    ts = {run: pq.read_table(d / "timeseries.parquet").to_pandas() for run, d in dirs.items()}
    calls = {run: pq.read_table(d / "calls.parquet").to_pandas() for run, d in dirs.items()}
    inc = {run: pq.read_table(d / "incidents.parquet").to_pandas() for run, d in dirs.items()}
    out = []

    def panel(title, draw, ylabel):
        fig = Figure(figsize=(7.5, 2.8))
        ax = fig.subplots()
        for run in dirs:
            draw(ax, run, styles[run])
        _mark_decisions(ax, decisions)
        ax.set_xlim(left=start_min / MIN_PER_HOUR)
        ax.set_xlabel("hour on the run's clock (dashed: injects red, decisions blue)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        out.append((title, _png(fig)))

    panel("Calls waiting for a unit", lambda ax, r, s: ax.step(ts[r]["t_min"] / MIN_PER_HOUR, ts[r]["calls_queued"],
                                                                 where="post", **s), "calls queued")

    def busy(ax, r, s):
        t = ts[r]
        ax.step(t["t_min"] / MIN_PER_HOUR, t[[c for c in t.columns if c.startswith("busy_")]].sum(axis=1), where="post", **s)
    panel("Units busy on calls", busy, "units")

    def response(ax, r, s):
        c = calls[r][calls[r]["t_arrival_min"] >= start_min]
        marker = "o" if r == "exercise" else "x"
        ax.scatter(c["t_arrival_min"] / MIN_PER_HOUR, c["response_min"], s=12, marker=marker, color=s["color"],
                   label=s["label"], alpha=0.8)
    panel("Response time of each call, by when it came in", response, "minutes")

    def crimes(ax, r, s):
        t = np.sort(inc[r]["t_min"].to_numpy())
        t = t[t >= start_min]
        ax.step(np.concatenate([[start_min], t]) / MIN_PER_HOUR, np.arange(len(t) + 1), where="post", **s)
    panel("Crimes since the exercise began", crimes, "crimes")
    return out


def render(cfg, summaries: dict[str, dict | None], decisions: list[dict], chart_pngs: list[tuple[str, str]]) -> str:
    ex = cfg.exercise
    runs = [(r, label) for r, label in RUNS if summaries.get(r) is not None]
    esc = html.escape
    start, end = cfg.sim.warmup_days * MIN_PER_DAY, cfg.sim.days * MIN_PER_DAY
    head = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>After-action report: {esc(ex.title or ex.name or 'exercise')}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 62em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }} td, th {{ border: 1px solid #ccc; padding: 4px 8px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }} th {{ background: #f2f2f2; }}
.better {{ color: #1e7b34; font-weight: bold; }} .worse {{ color: #b03a2e; font-weight: bold; }}
tr.inject td:first-child {{ border-left: 4px solid #c0392b; }} tr.action td:first-child {{ border-left: 4px solid #2471a3; }}
pre.briefing {{ white-space: pre-wrap; background: #f8f8f8; padding: 1em; }} img {{ max-width: 100%; }}
</style></head><body>
<h1>After-action report: {esc(ex.title or ex.name or 'free play')}</h1>
<p>District <b>{esc(cfg.district.name)}</b>, seed {cfg.seed} (root seed {cfg.root_seed}); exercise from
<b>{clock(start)}</b> to <b>{clock(end)}</b>. The counterfactual is the same seed with the same injects at the
same times and none of the room's decisions: every difference below is what the decisions changed
(one seed: a single play, not an average).</p>
"""
    parts = [head]
    if ex.briefing:
        parts.append(f"<h2>Briefing</h2><pre class=\"briefing\">{esc(ex.briefing)}</pre>")
    parts.append('<h2>Key figures</h2><table id="kpis"><tr><th>measure</th>'
                 + "".join(f"<th>{esc(label)}</th>" for _, label in runs)
                 + ("<th>difference</th>" if len(runs) == 2 else "") + "</tr>")
    for row in kpi_rows({r: summaries.get(r) for r, _ in runs}):
        cells = []
        for run, _ in runs:
            v = row["values"][run]
            cells.append(f'<td class="num" data-key="{row["key"]}" data-run="{run}" '
                         f'data-value="{json.dumps(v)}">{fmt(v, row["pattern"])}</td>')
        if len(runs) == 2:
            text, cls = _diff_text(row)
            cells.append(f'<td class="num {cls}">{text}</td>')
        parts.append(f'<tr><td>{esc(row["label"])}</td>{"".join(cells)}</tr>')
    parts.append("</table>")
    parts.append('<h2>Timeline</h2><table id="timeline"><tr><th>time</th><th>who</th><th>what</th>'
                 "<th>note</th><th>effect</th></tr>")
    for d in decisions:
        who = {"script": "script", "facilitator": "facilitator", "trainee": "trainees"}.get(d["source"], d["source"])
        parts.append(f'<tr class="{d["category"]}" data-t-min="{d["t_min"]!r}"><td>{esc(d["clock"])}</td>'
                     f'<td>{esc(who)} ({esc(d["category"])})</td><td>{esc(d["kind"].replace("_", " "))}</td>'
                     f'<td>{esc(d["note"])}</td><td>{esc(d["effect"])}</td></tr>')
    if not decisions:
        parts.append('<tr><td colspan="5">no injects or decisions</td></tr>')
    parts.append("</table><h2>Charts</h2>")
    for title, png in chart_pngs:
        parts.append(f"<h3>{esc(title)}</h3><img alt=\"{esc(title)}\" src=\"data:image/png;base64,{png}\">")
    parts.append("</body></html>\n")
    return "\n".join(parts)


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
