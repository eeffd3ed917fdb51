"""A sweep report people can share (issue 23, part 3): ``compare/report.html``
beside ``report.md`` (the same tables, the figures embedded, nothing fetched,
everything from the data escaped, in the command's language), and a quiet
sweep console (Hydra's per-job lines in each job's log, the progress bar with
its ETA, a failed job named with its log's path).

The real-run checks reuse tests/test_compare.py's policy sweep (built once per
session, shared between xdist workers); the escaping checks use a sweep of
fake summaries; one small sweep runs as a command (slow tier)."""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.compare import cli
from sim.compare.html import data_uri, render_page
from sim.i18n import Translator, language
from sim.study.sweep import quiet_logging
from test_compare import compared, fake_job, policy_sweep  # noqa: F401 - fixtures reused

ROOT = Path(__file__).resolve().parent.parent
ATTACK = "<img src=x onerror=alert(1)>"
_ = Translator("reports")


class Page(HTMLParser):
    """What a browser would see of the page: its tables' cell texts, its elements and their attributes."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[str, str]] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag in ("h1", "h2", "h3"):
            self.headings.append((tag, "".join(self._heading)))
            self._heading = None

    def handle_data(self, data):
        for part in (self._cell, self._heading):
            if part is not None:
                part.append(data)


def markdown_tables(text: str) -> list[list[list[str]]]:
    """report.md's tables as cell texts (code marks dropped, ``\\|`` unescaped), rule rows left out."""
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("|"):
            if current is None:
                current = []
                tables.append(current)
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r"-+:?", c) for c in cells):
                current.append([re.sub(r"`([^`]*)`", r"\1", c) for c in cells])
        else:
            current = None
    return tables


@pytest.mark.slow  # test_compare's policy sweep: eight real runs
def test_report_html_has_report_md_tables_and_embedded_figures(compared):  # noqa: F811
    md, page_text = (compared / "report.md").read_text(), (compared / "report.html").read_text()
    page = Page(page_text)
    tables = markdown_tables(md)
    assert len(tables) == 2 and page.tables == tables  # configurations, differences: every cell the same
    baseline_row = next(r for r in tables[0] if r[0] == "policy=fixed_post")
    assert re.fullmatch(r"\d[\d.,]* \[[-\d.,]+, [-\d.,]+\]", baseline_row[2])  # a mean with its interval
    assert f"<td>{html.escape(baseline_row[2])}</td>" in page_text
    images = [a for t, a in page.tags if t == "img"]
    names = re.findall(r"!\[[^]]*\]\(([^)]+)\)", md)
    assert len(names) == 4 and len(images) == 4
    for name, img in zip(names, images):  # each figure embedded, byte for byte
        head, _sep, payload = img["src"].partition(",")
        assert head == "data:image/png;base64" and base64.b64decode(payload) == (compared / name).read_bytes()
    links = [v for _t, a in page.tags for k, v in a.items() if k in ("src", "href") and v]
    assert links and all(v.startswith("data:") for v in links)  # nothing fetched, nothing linked
    assert not {"script", "link", "iframe", "object"} & {t for t, _a in page.tags}
    assert page.headings[0] == ("h1", f"Sweep comparison: {compared.parent.name}")
    assert page_text.startswith('<!doctype html>\n<html lang="en">')
    assert "Welch CI" in [c for row in tables[1][:1] for c in row]


@pytest.mark.slow  # test_compare's policy sweep: eight real runs
def test_report_html_in_chinese(policy_sweep, compared, tmp_path):  # noqa: F811
    """The report in the language of the command: the same msgids as report.md, lang="zh-CN"."""
    from sim.compare.collect import collect, inventory
    from sim.compare.report import write_report

    root = policy_sweep[0]
    for png in compared.glob("*.png"):
        shutil.copy(png, tmp_path)
    inv = inventory(root, tmp_path)
    summary, diffs = (pd.read_parquet(compared / f) for f in ("configurations.parquet", "differences.parquet"))
    with language("zh"):
        write_report(tmp_path, inv, collect(root, inv), summary, diffs, "policy=fixed_post", "--baseline",
                     {"metrics.png": "各方案的关键指标"})
        headings = [_(h).removeprefix("## ") for h in ("## Configurations", "## Paired differences from the baseline",
                                                        "## What was collected")]
    page_text = (tmp_path / "report.html").read_text(encoding="utf-8")
    page = Page(page_text)
    assert page_text.startswith('<!doctype html>\n<html lang="zh-CN">')
    for heading in headings:
        assert re.search("[\u4e00-\u9fff]", heading) and ("h2", heading) in page.headings
    assert page.tables == markdown_tables((tmp_path / "report.md").read_text())
    assert [a["src"][:22] for t, a in page.tags if t == "img"] == ["data:image/png;base64,"]


def test_values_from_the_data_are_shown_as_text(tmp_path):
    """A configuration value and a failed job's error holding markup appear as text, not elements."""
    sweep = tmp_path / "sweep"
    for policy in (ATTACK, "fixed_post"):
        for k in range(2):
            fake_job(sweep, [f"policy={policy}", f"replicate={k}"],
                     {"seed": k, "response_time_mean_min": 5.0 + k + len(policy) / 100, "p_wait": 0.1 * (k + 1)})
    failed = fake_job(sweep, ["policy=fixed_post", "replicate=2"], {"seed": 2}, done=False)
    (failed / "FAILED").write_text(json.dumps({"error": "ValueError: <script>alert(2)</script>"}))
    assert cli.main([str(sweep), "--baseline", "policy=fixed_post"]) == 0
    page_text = (sweep / "compare" / "report.html").read_text()
    page = Page(page_text)
    assert {t for t, _a in page.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
                                          "ul", "li", "code", "strong", "em", "div", "table", "thead", "tbody",
                                          "tr", "th", "td", "figure", "img"}
    assert [a for t, a in page.tags if t == "img" and "onerror" in a] == []
    assert f"policy={ATTACK}" in [c for table in page.tables for row in table for c in row]  # shown as text
    assert html.escape(ATTACK, quote=False) in page_text and "&lt;script&gt;alert(2)&lt;/script&gt;" in page_text
    assert "&amp;lt;" not in page_text  # escaped once: report.md's entities are not shown as "&lt;"
    md = (sweep / "compare" / "report.md").read_text()  # report.md read as text, or rendered by another viewer
    assert "<img" not in md and "<script" not in md
    assert "policy=&lt;img src=x onerror=alert(1)&gt;" in md
    assert "ValueError: &lt;script&gt;alert(2)&lt;/script&gt;" in md


def test_markdown_values_from_the_data_are_escaped_once():
    """Issue 23: ``<``/``>`` as entities, terminal escapes dropped, ``|`` kept inside its cell, a backtick
    or ``*`` never ending a code span or starting emphasis; report.html shows each value as typed."""
    from sim.compare.html import _renderer
    from sim.core.markdown import md_code, md_inline, md_table, md_text

    assert md_text("a\x1b[31m<b>\x07\nc") == "a[31m&lt;b&gt;\nc"
    assert md_code("policy=fixed_post") == "`policy=fixed_post`"
    assert md_code(ATTACK) == "&lt;img src=x onerror=alert(1)&gt;"
    values = [ATTACK, "x`y*z*_[a](b)", "p|q\x1b[2J", "a & b\nc", "back\\slash"]
    table = md_table(["v"], [[md_code(v)] for v in values])
    rendered = _renderer(Path(".")).render(table + "\n\n" + "\n\n".join(md_inline(v) for v in values))
    page = Page(rendered)
    shown = [v.replace("\x1b", "").replace("\n", " ") for v in values]
    assert [row[0] for row in page.tables[0][1:]] == shown  # one row per value, each cell as typed
    assert all(rendered.count(f"<p>{html.escape(v, quote=False)}</p>") == 1 for v in shown), rendered  # and as text
    assert [t for t, _a in page.tags if t not in ("div", "table", "thead", "tbody", "tr", "th", "td", "code", "p")] == []


def test_only_local_images_are_embedded(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path / "b.svg").write_text("<svg onload='alert(1)'/>")
    text = ("# T `x`\n\n![one](a.png) ![far](http://example.org/x.png) ![up](../a.png) ![svg](b.svg)\n\n"
            "[a link](https://example.org) <script>alert(3)</script> [js](javascript:alert(4))\n")
    page_text = render_page(text, tmp_path, "en")
    page = Page(page_text)
    assert [a["src"] for t, a in page.tags if t == "img"] == [data_uri(png)]
    assert data_uri(png) == "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode()
    assert "http" not in "".join(v for _t, a in page.tags for v in a.values() if v)
    assert "<script>" not in page_text and "&lt;script&gt;" in page_text
    assert not any(t == "a" for t, _a in page.tags) and "a link" in page_text
    assert "<title>T x</title>" in page_text and '<span class="missing">far</span>' in page_text


def test_quiet_logging_yields_to_the_commands_own_choice():
    assert quiet_logging(["policy=a,b"]) == ["hydra/hydra_logging=quiet", "hydra/job_logging=quiet"]
    assert quiet_logging(["hydra/hydra_logging=default", "x=1"]) == ["hydra/job_logging=quiet"]
    assert quiet_logging(["hydra/hydra_logging=default", "hydra/job_logging=default"]) == []
    for group in ("hydra_logging", "job_logging"):
        text = (ROOT / "conf" / "hydra" / group / "quiet.yaml").read_text()
        assert "ext://sys.stdout" not in text  # nothing on stdout; the launcher's warnings and errors on stderr
    assert "${hydra.runtime.output_dir}/${hydra.job.name}.log" in (
        ROOT / "conf" / "hydra" / "job_logging" / "quiet.yaml").read_text()


@pytest.mark.slow
def test_sweep_console_is_quiet_and_names_a_failed_job_with_its_log(tmp_path):
    """Two jobs (one cannot write its calls.parquet): the console holds the bar with its ETA, the failure
    with its log's path and the tally, no Hydra line; each job's sim.log holds its "#N : overrides" line."""
    root = tmp_path / "sweep"
    job = "policy={},sim.days=0.25,sim.plots=False"
    good, bad = job.format("fixed_post"), job.format("random_patrol")
    (root / bad / "calls.parquet" / "occupied").mkdir(parents=True)
    (root / bad / "manifest.json").write_text('{"program": "community-policing-sim"}')  # an earlier run's folder
    proc = subprocess.run([sys.executable, "-m", "sim", "-m", "policy=fixed_post,random_patrol", "sim.days=0.25",
                           "sim.plots=false", "hydra.launcher.n_jobs=1", f"hydra.sweep.dir={root}"],
                          cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, capture_output=True, timeout=300)
    out, err = proc.stdout.decode(), proc.stderr.decode()  # bytes: text mode would turn the bar's \r into lines
    assert proc.returncode == 1, err[-2000:]
    assert out == "" and "[HYDRA]" not in err and " : policy=" not in err
    lines = err.rstrip("\n").split("\n")  # the bar redraws itself in place (\r): one line on a terminal
    assert len(lines) <= 7, lines  # was 5 more: Hydra's launcher lines, one per job and three more
    assert re.search(r"\| 1/2 \[\d\d:\d\d elapsed, ETA \d\d:\d\d, ", err)  # an ETA once a job is done
    failures = [line for line in lines if f"FAILED {bad}: IsADirectoryError" in line]
    assert failures and all(line.endswith(f"(log: {root / bad / 'sim.log'})") for line in failures)
    for name, num in ((good, 0), (bad, 1)):
        log = (root / name / "sim.log").read_text()
        assert f"#{num} : policy={name.split(',')[0].split('=')[1]} sim.days=0.25 sim.plots=False" in log
    assert "done in" in (root / good / "sim.log").read_text()
    assert "Traceback" in (root / bad / "sim.log").read_text()
