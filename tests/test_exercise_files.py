"""Exercise scripts as files and in two languages (issue 22): ``exercise.file=PATH``
from anywhere and its refusals of hostile scripts, the gallery of built-in
scripts, a session exported as a script and run back, and the after-action
report of every built-in script in Chinese."""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.compose.loader import load_config, load_run
from sim.compose.script_file import MAX_SCRIPT_BYTES
from sim.config import ConfigError
from sim.compose.exercise_export import session_script
from sim.compose.exercise_gallery import ScriptInfo, gallery
from sim.exercise.session import ExerciseSession
from sim.i18n import language
from sim.i18n.leftovers import english_leftovers
from sim.model import CommunityPolicingModel
from sim.run_exercise import run_exercise

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "sim" / "scenarios" / "exercises"
BUILT_IN = ("festival_night", "fraud_wave", "helsinki_market", "mountain_flood")
# sim.days just past each script's last event (the scripts run longer): the tests stay short
SHORT_DAYS = {"festival_night": 1.0, "fraud_wave": 2.6, "helsinki_market": 1.0, "mountain_flood": 0.75}
AUTHORED = re.compile(r'<(span|pre) class="authored[^"]*">.*?</\1>', re.S)


def cli(*args, cwd=ROOT, module="sim", timeout=300):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def events(cfg) -> list[tuple]:
    return [(e.at_h, e.kind, e.note) for e in list(cfg.exercise.injects) + list(cfg.exercise.actions)]


# --- exercise.file=PATH --------------------------------------------------------------------
def test_a_copy_of_a_built_in_script_loads_from_any_path(tmp_path, monkeypatch):
    folder = tmp_path / "培训 中心"  # spaces and Chinese characters in the path
    folder.mkdir()
    copy = folder / "灯会 night.yaml"
    shutil.copy(SCRIPTS / "festival_night.yaml", copy)
    built_in = load_config(["+exercise=festival_night"])
    from_file = load_config([f"exercise.file={copy}"])
    assert from_file.exercise.file == str(copy) and from_file.exercise.name == "灯会 night"
    assert from_file.district.name == "urban_core"  # its defaults line: override /district: urban_core
    assert (from_file.sim.days, from_file.sim.warmup_days) == (built_in.sim.days, built_in.sim.warmup_days)
    assert events(from_file) == events(built_in) and from_file.exercise.reserves == built_in.exercise.reserves
    assert from_file.exercise.title_zh == built_in.exercise.title_zh != ""
    assert built_in.exercise.file is None
    monkeypatch.chdir(tmp_path)  # a relative path is taken from the working folder, recorded absolute
    relative = load_config(["exercise.file=培训 中心/灯会 night.yaml", "seed=3"])
    assert relative.exercise.file == str(copy) and relative.seed == 3 and events(relative) == events(built_in)


GOOD = (SCRIPTS / "festival_night.yaml").read_text(encoding="utf-8")
HOSTILE = {  # name -> (file text, words of the refusal)
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
                   "anchors and aliases"),
    "python tag": ("exercise: !!python/object/apply:os.system ['touch /tmp/pwned']\n", "tags"),
    "plain tag": ("exercise:\n  title: !!str Festival\n", "tags"),
    "duplicate key": ("exercise: {title: a}\nexercise: {title: b}\n", "appears twice"),
    "env interpolation": (GOOD.replace("title: Lantern festival night", "title: ${oc.env:HOME}"),
                          "interpolations"),
    "plain interpolation": (GOOD.replace("days: 1.25", "days: ${sim.warmup_days}"), "interpolations"),
    "hydra section": (GOOD + "hydra:\n  run:\n    dir: /etc\n", "hydra: settings are not allowed"),
    "unknown key": (GOOD + "launch_missiles: true\n", "launch_missiles: unknown key; allowed: defaults, calibrate"),
    "instantiate": (GOOD + "policy:\n  _target_: os.system\n", "Python code"),
    "bad inject kind": (GOOD.replace("kind: major_incident", "kind: meteor"),
                        "exercise.injects[2].kind='meteor': allowed: major_incident"),
    "bad nested key": (GOOD.replace("reserves: {officer: 1,", "reserves: {chief: 1,"), "exercise.reserves"),
    "unknown group": (GOOD.replace("override /district: urban_core", "override /hydra/launcher: ray"),
                      "allowed groups: district"),
    "unknown option": (GOOD.replace("override /district: urban_core", "override /district: atlantis"),
                       "unknown option; allowed:"),
    "not an override": (GOOD.replace("override /district: urban_core", "district: urban_core"),
                        "allowed: '- override /GROUP: NAME'"),
    "no exercise": ("sim: {days: 1}\n", "exercise: section"),
    "not yaml": ("exercise: [unclosed\n", "plain YAML"),
    # the attack review's: each was a traceback (exit 1) or named the internal option
    "deep nesting": ("exercise:\n  reserves: " + "[" * 300 + "]" * 300 + "\n", "nests deeper than 12 levels"),
    "complex key": ("exercise:\n  title: x\n? [a, b]\n: 1\n", "keys must be words"),
    "misspelt event key": (GOOD.replace("at_h: 20.0", "at_hr: 20.0"),
                           "exercise.injects[1].at_hr: unknown key (did you mean at_h?); allowed: at_h, kind"),
    "date as a time": (GOOD.replace("at_h: 20.0", "at_h: 2024-01-01"),
                       "exercise.injects[1].at_h='2024-01-01': must be a number"),
    "misspelt section key": (GOOD.replace("title: Lantern festival night", "tittle: Lantern festival night"),
                             "exercise.tittle: unknown key (did you mean title?)"),
    "too many events": (GOOD.replace("  injects:\n", "  injects:\n" + "    - {at_h: 19, kind: fraud_wave}\n" * 2001),
                        "holds 2008 injects and actions; at most 2000"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_script_is_refused_in_one_line_naming_exercise_file(tmp_path, name):
    text, words = HOSTILE[name]
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config([f"exercise.file={path}"])
    assert err.value.key == "exercise.file" and err.value.value == str(path)
    assert words in str(err.value) and "\n" not in str(err.value)
    assert not Path("/tmp/pwned").exists()


def test_missing_unreadable_folder_and_huge_files_are_refused(tmp_path, monkeypatch):
    huge = tmp_path / "huge.yaml"
    huge.write_text("# " + "x" * MAX_SCRIPT_BYTES + "\nexercise: {}\n")
    for path, words in ((tmp_path / "missing.yaml", "No such file"), (tmp_path, "is a folder"),
                        (huge, f"larger than {MAX_SCRIPT_BYTES:,} bytes")):
        with pytest.raises(ConfigError) as err:
            load_config([f"exercise.file={path}"])
        assert err.value.key == "exercise.file" and words in str(err.value), str(err.value)
    unreadable = tmp_path / "locked.yaml"
    unreadable.write_text(GOOD)
    unreadable.chmod(0)
    if os.access(unreadable, os.R_OK):  # root reads it anyway: the file system says no instead
        def denied(self, *a, **k):
            raise PermissionError(13, "Permission denied", str(self))
        monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ConfigError, match=r"cannot be read \(Permission denied\)") as err:
        load_config([f"exercise.file={unreadable}"])
    assert err.value.key == "exercise.file"
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="both choose a script"):
        load_config([f"exercise.file={SCRIPTS / 'festival_night.yaml'}", "+exercise=mountain_flood"])


@pytest.mark.slow  # three interpreters (the fast tier stays under 3 min: README "Tests")
def test_the_command_lines_refuse_a_bad_script_file_with_exit_2_and_no_folder(tmp_path):
    out = tmp_path / "run"
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD + "hydra:\n  job:\n    chdir: true\n")
    for args, module in (((f"exercise.file={bad}", f"hydra.run.dir={out}"), "sim"),
                         ((f"exercise.file={tmp_path / 'none.yaml'}",), "sim.tabletop"),
                         (("-m", f"exercise.file={SCRIPTS / 'festival_night.yaml'}", "seed=1,2",
                           f"hydra.sweep.dir={out}"), "sim")):
        proc = cli(*args, module=module)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and "exercise.file=" in lines[0], proc.stderr
        assert not out.exists()
    assert "sweeps (-m) take a built-in script" in lines[0]


# --- the gallery ------------------------------------------------------------------------------
def test_the_gallery_lists_the_built_in_scripts_in_both_languages():
    scripts = {s.name: s for s in gallery()}
    assert set(BUILT_IN) <= set(scripts)
    for name in BUILT_IN:
        s = scripts[name]
        assert isinstance(s, ScriptInfo) and s.path == SCRIPTS / f"{name}.yaml"
        cfg = load_config([f"+exercise={name}"])
        assert s.title == {"en": cfg.exercise.title, "zh": cfg.exercise.title_zh}
        assert s.briefing == {"en": cfg.exercise.briefing, "zh": cfg.exercise.briefing_zh}
        assert re.search(r"[\u4e00-\u9fff]", s.title["zh"] + s.briefing["zh"]) and s.title["zh"] != s.title["en"]
        assert s.days == cfg.sim.days and s.hours == pytest.approx((cfg.sim.days - cfg.sim.warmup_days) * 24)
        assert s.district == cfg.district.name
    assert scripts["festival_night"].start == "Day 1 18:00"
    with language("zh"):
        assert {s.name: s.start for s in gallery()}["mountain_flood"] == "第1天 06:00"
    with pytest.raises(Exception):
        scripts["festival_night"].name = "x"  # frozen


# --- export a session, run it back ------------------------------------------------------------
@pytest.mark.slow  # a session, then a headless run with its counterfactual (~15 s)
def test_an_exported_session_runs_back_with_the_same_events(tmp_path):
    cfg = load_config(["+exercise=festival_night"])
    s = ExerciseSession(CommunityPolicingModel(cfg), script=False)
    s.advance(19 * 60 + 7)
    s.fire("major_incident", "facilitator", note="bus crash at ${oc.env:HOME}", x_m=800.0, y_m=900.0, units=3)
    s.advance(19 * 60 + 40)
    s.fire("move_unit", "trainee", note="cover the north: 北区", unit=2, x_m=500.0, y_m=600.0)
    text = session_script(s)
    script = tmp_path / "today's session.yaml"
    script.write_text(text, encoding="utf-8")
    back = load_config([f"exercise.file={script}"])
    assert back.district.name == "urban_core" and back.exercise.title_zh == cfg.exercise.title_zh
    assert back.exercise.reserves == cfg.exercise.reserves
    out = tmp_path / "run"
    proc = cli(f"exercise.file={script}", "sim.progress=false", "sim.days=0.85", f"hydra.run.dir={out}")  # to 20:24
    assert proc.returncode == 0, proc.stderr
    log = pq.read_table(out / "decisions.parquet").to_pylist()
    assert [(d["t_min"], d["category"], d["kind"], d["params"], d["note"]) for d in log] == \
        [(d.t_min, d.category, d.kind, d.row()["params"], d.note.replace("${", "$ {")) for d in s.log]
    # the headless run ends by naming where its files are
    tail = proc.stderr.strip().splitlines()[-3:]
    assert tail == [f"After-action report: {out / 'after_action.html'}",
                    f"Counterfactual (the same seed without the room's decisions): {out / 'counterfactual'}",
                    f"Decision log: {out / 'decisions.parquet'}"]


def test_an_exported_session_on_a_real_place_keeps_its_place(tmp_path):
    """A Helsinki session's script names the preset and carries its GIS section:
    played back it runs in Helsinki, not silently in the default district."""
    cfg = load_config(["+exercise=helsinki_market", "district.gis.population_total=15000"])
    s = ExerciseSession(CommunityPolicingModel(cfg), script=False)
    script = tmp_path / "helsinki.yaml"
    script.write_text(session_script(s), encoding="utf-8")
    back = load_config([f"exercise.file={script}"])
    assert (back.district.name, back.district.kind) == ("helsinki", "gis")
    assert back.district.gis.population_total == 15000 and back.district.gis.areas == cfg.district.gis.areas


# --- every built-in script in Chinese -----------------------------------------------------------
@pytest.fixture(scope="module")
def chinese_reports(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """name -> (after_action.html, stderr) of each built-in script run with lang=zh:
    one through the command line, the others in this process."""
    root = tmp_path_factory.mktemp("zh")
    out = {}
    proc = cli("+exercise=festival_night", "lang=zh", "sim.progress=false", f"sim.days={SHORT_DAYS['festival_night']}",
               f"hydra.run.dir={root / 'festival_night'}")
    assert proc.returncode == 0, proc.stderr
    out["festival_night"] = ((root / "festival_night" / "after_action.html").read_text(encoding="utf-8"), proc.stderr)
    for name in BUILT_IN[1:]:
        cfg, folder = load_run([f"+exercise={name}", "lang=zh", "sim.progress=false", f"sim.days={SHORT_DAYS[name]}",
                                f"hydra.run.dir={root / name}"])
        run_exercise(cfg, folder, progress=False)
        out[name] = ((folder / "after_action.html").read_text(encoding="utf-8"), "")
    return out


@pytest.mark.slow  # four exercises, each with its counterfactual (short days: ~30 s)
@pytest.mark.parametrize("name", BUILT_IN)
def test_every_built_in_script_reports_in_chinese(chinese_reports, name):
    page, _ = chinese_reports[name]
    cfg = load_config([f"+exercise={name}"])
    assert '<html lang="zh-CN">' in page and f"<title>复盘报告：{cfg.exercise.title_zh}</title>" in page
    assert html.escape(cfg.exercise.briefing_zh.strip()) in page
    assert html.escape(cfg.exercise.briefing.strip()) not in page
    assert english_leftovers(AUTHORED.sub(" ", page)) == []
    assert "关键指标" in page and page.count("data:image/png;base64,") == 4
    for note in (e.note for e in list(cfg.exercise.injects) + list(cfg.exercise.actions)):
        assert f'<span class="authored">{html.escape(note)}</span>' in page  # the author's words, as written


@pytest.mark.slow
def test_the_chinese_headless_run_names_its_files_in_chinese(chinese_reports, tmp_path):
    stderr = chinese_reports["festival_night"][1]
    lines = stderr.strip().splitlines()[-3:]
    assert lines[0].startswith("复盘报告：") and lines[0].endswith("festival_night/after_action.html")
    assert lines[1].startswith("对照推演") and lines[1].endswith("festival_night/counterfactual")
    assert lines[2].startswith("决策记录：") and lines[2].endswith("festival_night/decisions.parquet")
