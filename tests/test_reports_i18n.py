"""Reports, figures and console lines in Chinese (issue 22): plan.md, the sweep
comparison's report.md, the per-run and plan figures, and the run summary
table carry no English label of the catalogues in ``lang=zh``, render every
glyph, and stay English in ``lang=en``."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from sim.compare import cli
from sim.i18n import language
from sim.i18n.leftovers import english_leftovers
from sim.output.labels import metric_label
from tests.conftest import config

ROOT = Path(__file__).resolve().parent.parent
# a plan in about 10 s: 2-day replications, two of each (tests/test_plan.py's QUICK, smaller)
TINY_PLAN = ("plan.days=2", "plan.warmup_days=0.5", "plan.replications_min=2", "plan.replications_max=2",
             "plan.jobs=1", "plan.curve=true")
CJK = re.compile(r"[\u4e00-\u9fff]")


def figure_text(fig) -> str:
    """Every text a reader sees on a figure: titles, axis labels, legends, annotations."""
    parts = [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        parts.append(fig._suptitle.get_text())
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend() is not None:
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(p for p in parts if p)


def drawn_in_chinese(build) -> str:
    """Build a figure in zh and draw it with every warning an error (a missing glyph warns); its text."""
    with language("zh"), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = build()
        fig.canvas.draw()
        text = figure_text(fig)
    plt.close(fig)
    return text


def assert_chinese(text: str) -> None:
    assert CJK.search(text), text
    assert english_leftovers(text) == [], text


@pytest.fixture(scope="module")
def zh_plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "zh"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", *TINY_PLAN, "lang=zh", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


@pytest.mark.slow  # a small plan in Chinese (~20 s with its fixture)
def test_zh_plan_md_and_console_are_chinese(zh_plan):
    out, proc = zh_plan
    md = (out / "plan.md").read_text()
    assert english_leftovers(md) == []
    for heading in ("# 警力配置方案", "## 人员编制", "## 各班次在岗人数", "## 目标", "## 年度费用（千元）", "## 求解过程"):
        assert heading in md
    assert "`target.p1_within_min=3.0`" in md  # config keys stay code
    assert "警力配置方案" in proc.stdout and "是否达标" in proc.stdout
    assert "解析初值" in proc.stderr  # the planner's progress lines
    assert "missing from font" not in proc.stderr


@pytest.mark.slow  # shares the Chinese plan's fixture
def test_the_same_plan_renders_in_english(zh_plan):
    from sim.plan.report import markdown

    out, _ = zh_plan
    plan = json.loads((out / "plan.json").read_text())
    with language("en"):
        md = markdown(plan, config(*TINY_PLAN))
    assert "## Headcount" in md and "## Targets" in md and "priority-1 calls reached within 3 min (%)" in md
    assert "## Response tiers (`response.tiers=office_station`)" in md
    whys = [u["why"] for u in plan["unreachable"]]  # written when the plan was made: in its language
    assert not [line for line in md.splitlines() if CJK.search(line) and not any(w in line for w in whys)]


@pytest.mark.slow  # shares the Chinese plan's fixture
def test_plan_figures_render_in_chinese(zh_plan):
    from sim.plan.report import curve_fig, gap_fig

    plan = json.loads((zh_plan[0] / "plan.json").read_text())
    for build in (lambda: curve_fig(plan), lambda: gap_fig(plan)):
        assert_chinese(drawn_in_chinese(build))


def test_run_figures_render_in_chinese():
    from sim.output.plots import incident_map_fig, response_time_fig
    from sim.run import simulate

    model = simulate(config("sim.days=1", "sim.warmup_days=0"))
    calls, incidents = model.calls.table(["response_min", "priority"]), model.incidents.table()
    text = drawn_in_chinese(lambda: response_time_fig(calls))
    assert_chinese(text)
    assert "响应时间" in text
    assert_chinese(drawn_in_chinese(lambda: incident_map_fig(model.district, incidents)))
    with language("en"):
        fig = response_time_fig(calls)
        assert fig.axes[0].get_ylabel() == "calls" and not CJK.search(figure_text(fig))
        plt.close(fig)


@pytest.mark.slow  # python -m sim in a subprocess (6-18 s)
def test_run_summary_table_in_chinese(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sim", "lang=zh", "sim.days=1", "sim.warmup_days=0",
                           f"hydra.run.dir={out}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert metric_label("response_time_mean_min") == "response mean (min)"
    with language("zh"):
        label = metric_label("response_time_mean_min")
    assert label in proc.stdout and "结果" in proc.stdout
    assert english_leftovers(proc.stdout) == [], proc.stdout
    assert "missing from font" not in proc.stderr
    assert (out / "response_times.png").stat().st_size > 0


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """2 policies x 2 replicates of 1-day runs, made in English, as a sweep leaves them."""
    import yaml

    from sim.compose.loader import load_config
    from sim.run import run_scenario

    root = tmp_path_factory.mktemp("sweep")
    for policy in ("fixed_post", "random_patrol"):
        base = load_config([f"policy={policy}", "sim.days=1", "sim.plots=false", "sim.progress=false"])
        for k in range(2):
            overrides = [f"policy={policy}", f"replicate={k}"]
            job = root / ",".join(overrides)
            run_scenario(dataclasses.replace(base, replicate=k).validate(), job, overrides)
            (job / ".hydra").mkdir(exist_ok=True)
            (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (root / "multirun.yaml").touch()
    return root


@pytest.mark.slow  # a 2x2 sweep (~10 s with its fixture)
def test_compare_report_in_the_commands_language(small_sweep, tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a missing glyph is a UserWarning
        assert cli.main([str(small_sweep), "lang=zh", "--out", str(tmp_path / "zh")]) == 0
    report = (tmp_path / "zh" / "report.md").read_text()
    assert english_leftovers(report) == [], report
    assert "## 各方案配置" in report and "## 与基准方案的配对差异" in report and "](metrics.png)" in report
    assert "已比较" in capsys.readouterr().out
    assert cli.main([str(small_sweep), "--lang", "en", "--out", str(tmp_path / "en")]) == 0
    english = (tmp_path / "en" / "report.md").read_text()
    assert "## Configurations" in english and not CJK.search(english)


@pytest.mark.slow  # shares the sweep's fixture
@pytest.mark.parametrize("args", [["lang=fr"], ["--lang", "de"]])
def test_compare_bad_language_is_one_line_exit_2(small_sweep, args, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([str(small_sweep), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "allowed: en, zh" in err[0]


@pytest.mark.slow  # a station plan: about 25 s on 2 cores
def test_zh_station_plan_is_chinese(tmp_path):
    from sim.plan.station_report import curve_fig

    out = tmp_path / "station"
    proc = subprocess.run([sys.executable, "-m", "sim.plan", "plan.tier=station", "plan.days=2", "plan.warmup_days=0.5",
                           "plan.replications_min=2", "plan.replications_max=2", "plan.jobs=1",
                           "plan.max_units_per_shift=3", "lang=zh", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    md = (out / "plan.md").read_text()
    assert english_leftovers(md) == [] and "## 巡逻车" in md and "## 求解过程" in md
    assert "派出所方案" in proc.stdout
    plan = json.loads((out / "plan.json").read_text())
    assert_chinese(drawn_in_chinese(lambda: curve_fig(plan)))
