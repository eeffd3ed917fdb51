"""The tabletop for a training room (issues 8 and 22): ``python -m sim.tabletop``
serves seats of shared sessions on 127.0.0.1, Playwright drives Debian's
Chromium (/usr/bin/chromium; no browser is downloaded).

Browser: a facilitator, a trainee and a projector page of ONE session side by
side (an inject fired on one reaches the trainee's queue, an order the
facilitator's log, the projector's clock follows; the trainee never sees the
script's timeline; a click on the map sets the inject's place), a second
session stays separate, Finish names the report, counterfactual and log on
every seat and the report opens; the same in Chinese (no English left), where
every kind toggle of both forms and every map layer is clicked, a form without
its place is refused in Chinese, call-in works as the form opens, and a jump
takes 19:30 and refuses to go back beside its button.

Without a browser: the room model, the forms, the map's click geometry, the
session registry (codes, one Play thread per session, Play pausing on a
scripted inject, export before and after Finish leaving the run's files as
they are, a Chinese session's log and report in Chinese whichever seat acted,
its report's charts without a missing glyph), the figures in Chinese, and the
CLI's bad input (Chinese with lang=zh, -h)."""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.i18n import language
from sim.i18n.leftovers import english_leftovers
from sim.tabletop.figures import (charts_figure, click_to_m, m_to_fraction, map_figure, map_frame, open_calls,
                                  unit_at, unit_states)
from sim.tabletop.forms import FormError, choices, form_fields, parse, parse_hour
from sim.tabletop.room import TabletopModel

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # ../shared/STACK.md
SCREENSHOT_ENV = "SIM_TABLETOP_SCREENSHOT"  # a folder: also save the six seat screenshots there (the README's)
SCRIPTED_KINDS = ("festival_crowd", "staff_sickness")  # festival_night's scripted injects the trainees must not see
SCRIPTED = ["festival crowd", "staff sickness", "18:30", "20:00", "21:30", "Scripted", "scripted"]


def scripted_zh() -> list[str]:
    """The same words as the Chinese page says them (the terms themselves, so the check can fail)."""
    from sim.i18n.terms import term

    with language("zh"):
        return [term(k) for k in SCRIPTED_KINDS] + ["18:30", "20:00", "21:30", "脚本"]


# --- without a browser --------------------------------------------------------------------
@pytest.fixture(scope="module")
def room():
    return TabletopModel(("+exercise=festival_night",))


def test_the_room_model_starts_at_the_exercise_and_steps_by_its_tick():
    m = TabletopModel(("+exercise=festival_night",))
    assert m.session.clock() == "Day 1 18:00" and m.session.log == []
    m.tick_min = 30.0
    m.step()
    assert m.session.clock() == "Day 1 18:30" and [d.kind for d in m.session.log] == ["festival_crowd"]
    m.jump_to(21.5 * 60)
    assert [d.kind for d in m.session.log] == ["festival_crowd", "staff_sickness", "major_incident"]
    m.jump_to(20 * 60)  # never back
    assert m.session.clock() == "Day 1 21:30"
    assert any(c["type"] == "major_incident" for c in open_calls(m))
    states = {u["state"] for u in unit_states(m)}
    assert states <= {"off duty", "waiting", "patrolling", "en route", "on scene"} and len(states) > 1
    for fig in (map_figure(m), charts_figure(m)):
        assert fig.axes
    from sim.tabletop.figures import STATE_COLOURS  # every state unit_states names has a colour on the map
    assert set(STATE_COLOURS) == {"off duty", "waiting", "patrolling", "en route", "on scene", "station duty"}


def test_a_script_file_from_anywhere_opens_in_the_room(tmp_path):
    """exercise.file=PATH (a copy of a built-in script, unchanged) is what a session builds its model from."""
    copy = tmp_path / "our_festival.yaml"
    copy.write_text((ROOT / "sim/scenarios/exercises/festival_night.yaml").read_text())
    m = TabletopModel((f"exercise.file={copy}",))
    assert m.cfg.exercise.title == "Lantern festival night" and m.session.clock() == "Day 1 18:00"
    assert [p.event.kind for p in sorted(m.session.pending)] == ["festival_crowd", "staff_sickness", "major_incident"]


def test_forms_parse_the_page_fields_and_name_a_bad_one():
    assert [n for n, _ in form_fields("major_incident")] == ["x_m", "y_m", "units", "on_scene_min"]
    assert dict(form_fields("major_incident"))["units"] == "4"
    assert parse("major_incident", {"x_m": " 100 ", "y_m": "2e2", "units": "3", "on_scene_min": ""}) == {
        "x_m": 100.0, "y_m": 200.0, "units": 3}
    with pytest.raises(FormError, match="units needed: three is not a whole number"):
        parse("major_incident", {"x_m": "1", "y_m": "2", "units": "three"})
    with language("zh"):  # the page's sentence in the seat's language, the field by its label
        for texts, said in (({"x_m": "abc", "y_m": "2"}, "x（米）：abc 不是数字"),
                            ({"y_m": "2"}, "请在地图上点击或填写 x（米）")):
            with pytest.raises(FormError) as caught:
                parse("major_incident", texts)
            assert str(caught.value) == said and "x_m" not in str(caught.value)
    # a list of words starts on its first: call-in and set-policy work as the form opens
    assert dict(form_fields("call_in"))["role"] == "officer" and dict(form_fields("set_policy"))["policy"] == "beat"
    assert parse("call_in", dict(form_fields("call_in")))["role"] == "officer"
    assert [parse_hour(t) for t in ("21:30", "21.5", "30:00", " 19 ", "21：30", "nine", "-1", "21:75")] == [
        21.5, 21.5, 30.0, 19.0, 21.5, None, None, None]
    assert [n for n, _ in form_fields("festival_crowd")][-1] == "calls_per_hour"  # the call mix stays a default
    assert choices("set_task", "task") == ("policy", "post", "hold", "patrol")
    assert choices("call_in", "role") == ("officer", "auxiliary", "volunteer", "grid_worker")
    assert "hotspot" in choices("set_policy", "policy") and "elastic" not in choices("set_policy", "policy")
    assert choices("major_incident", "x_m") == ()  # a free text field


def _png(fig) -> np.ndarray:
    import matplotlib.image as mpimg

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    buf.seek(0)
    return mpimg.imread(buf)


def test_a_click_on_the_map_lands_on_the_point_drawn_there(room):
    """The axes' box is found in the PNG's pixels (its black frame lines), not
    taken from the frame the page computes; a click on the box's corners and
    centre gives the district's corners and centre in metres."""
    fig = map_figure(room)
    pixels = _png(fig)
    frame = map_frame(fig, room)
    height, width = pixels.shape[:2]
    assert (width, height) == (frame[4], frame[5])
    dark = pixels[..., :3].max(axis=2) < 0.2
    cols = np.nonzero(dark.sum(axis=0) > 0.5 * height)[0]  # the axes' left and right lines
    rows = np.nonzero(dark[:, cols.min():cols.max() + 1].mean(axis=1) > 0.9)[0]  # its top and bottom lines
    left, right, top, bottom = cols.min() + 0.5, cols.max() + 0.5, rows.min() + 0.5, rows.max() + 0.5
    w_m, h_m = frame[6], frame[7]
    tol = 2 * w_m / (right - left)  # two pixels, in metres
    for (fx, fy), (ex, ey) in (((left / width, bottom / height), (0, 0)),
                               ((right / width, top / height), (w_m, h_m)),
                               (((left + right) / 2 / width, (top + bottom) / 2 / height), (w_m / 2, h_m / 2))):
        x, y = click_to_m(frame, min(max(fx, 1e-9), 1), min(max(fy, 1e-9), 1)) or (np.nan, np.nan)
        assert abs(x - ex) < tol and abs(y - ey) < tol, ((fx, fy), (x, y), (ex, ey))
    fx, fy = ((left + right) / 2 + 37) / width, ((top + bottom) / 2 - 21) / height
    x, y = click_to_m(frame, fx, fy)
    assert np.allclose(m_to_fraction(frame, x, y), (fx, fy))
    assert click_to_m(frame, 0.995, 0.5) is None  # the legend, outside the axes
    units = unit_states(room)
    on = next(u for u in units if u["state"] != "off duty")
    ux, uy = m_to_fraction(frame, on["x_m"], on["y_m"])
    assert unit_at(frame, units, ux + 0.005, uy, 0.03)["unit"] in {u["unit"] for u in units
                                                                   if (u["x_m"], u["y_m"]) == (on["x_m"], on["y_m"])}
    assert unit_at(frame, [on], ux + 0.2, uy, 0.03) is None


def _figure_text(fig) -> str:
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(texts)


def test_the_figures_speak_chinese(room, monkeypatch):
    import matplotlib
    import warnings

    from sim.tabletop.figures import fonts

    monkeypatch.setitem(matplotlib.rcParams, "font.family", ["DejaVu Sans"])  # as another library may leave it
    with language("zh"), fonts(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figs = [map_figure(room), charts_figure(room)]
        for fig in figs:
            _png(fig)  # drawn: a glyph missing from the fonts warns here
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []
    text = "\n".join(_figure_text(fig) for fig in figs)
    assert "0号警务室" in text and "第1天" in text and "民警" in text
    assert english_leftovers(text) == []
    assert "office 0" in _figure_text(map_figure(room))


@pytest.mark.slow  # three sessions' models (~7 s)
def test_sessions_are_separate_play_runs_once_per_session_and_export_stays_in_the_folder(tmp_path):
    from sim.tabletop import sessions

    a = sessions.create(("+exercise=festival_night",), tmp_path, "en")
    b = sessions.create(("+exercise=festival_night",), tmp_path, "zh")
    assert a.code != b.code and re.fullmatch(r"[A-Z2-9]{5}", a.code)
    assert sessions.get(a.code.lower()) is a and sessions.get("nope!") is None
    assert a.out_dir == tmp_path / a.code
    v = a.version
    woke = []  # a page's watcher: woken by the change itself, not by its next look
    watcher = threading.Thread(target=lambda: woke.append((a.wait_for_version(v, 60.0), time.monotonic())))
    watcher.start()
    a.set_tick(60)
    changed_at = time.monotonic()
    watcher.join(30)
    assert woke and woke[0][0] == v + 1 and woke[0][1] - changed_at < 5  # far sooner than its 60 s wait
    assert a.wait_for_version(v + 1, 0.05) == v + 1  # nothing new: back after the timeout, same version
    a.step()
    assert a.version > v and a.snap.t_min == 19 * 60 and b.snap.t_min == 18 * 60
    a.play(True)
    a.play(True)  # a second seat pressing Play: still one thread
    assert sum(t.name == f"play-{a.code}" for t in threading.enumerate()) == 1
    deadline = time.monotonic() + 10
    while a.snap.t_min < 20 * 60 and time.monotonic() < deadline:
        time.sleep(0.1)
    a.play(False)
    assert a.snap.t_min >= 20 * 60 and b.snap.t_min == 18 * 60
    time.sleep(sessions.PLAY_INTERVAL_S * 1.5)
    assert sum(t.name == f"play-{a.code}" for t in threading.enumerate()) == 0
    a.fire("major_incident", "facilitator", x_m=400.0, y_m=1600.0, units=3)
    path, text = a.export()
    assert path == tmp_path / a.code / "session_script.yaml" and path.read_text() == text
    assert "major_incident" in text and sorted(p.name for p in tmp_path.iterdir()) == sorted([a.code])
    url, frame = a.image("map", "zh", "residents")
    assert url.startswith("data:image/png;base64,") and a.image("map", "zh", "residents")[0] is url  # cached


@pytest.mark.slow  # Play in a thread (~8 s)
def test_play_pauses_when_a_scripted_inject_fires_and_a_jump_never_goes_back(tmp_path):
    from sim.tabletop import sessions

    s = sessions.create(("+exercise=festival_night",), tmp_path, "en")
    assert s.pause_on_inject  # the default: the room reacts before the clock runs on
    s.set_tick(15)
    s.play(True)
    deadline = time.monotonic() + 20
    while s.playing and time.monotonic() < deadline:
        time.sleep(0.1)
    with s.lock:  # the pausing tick's change is published
        pass
    assert not s.playing and s.snap.t_min == 18.5 * 60  # stopped on the tick the 18:30 festival crowd fired
    assert [d.kind for d in s.snap.log] == ["festival_crowd"]
    assert s.jump_to(18 * 60) is False and s.snap.t_min == 18.5 * 60
    s.set_pause_on_inject(False)
    s.set_tick(60)
    s.play(True)
    deadline = time.monotonic() + 20
    while s.snap.t_min < 20.5 * 60 and time.monotonic() < deadline:
        time.sleep(0.1)
    s.play(False)
    assert s.snap.t_min >= 20.5 * 60 and [d.kind for d in s.snap.log] == ["festival_crowd", "staff_sickness"]


@pytest.mark.slow  # a finished exercise with its counterfactual (~7 s)
def test_a_chinese_session_logs_in_chinese_finishes_in_chinese_and_export_never_touches_the_run(tmp_path, monkeypatch):
    """The decision log, decisions.parquet and after_action.html are in the session's language
    whichever seat acted (a refusal reads in the seat's); the report's charts draw Chinese even
    when the server left matplotlib's fonts at DejaVu Sans (a missing glyph is an error); saving
    the session as a script, before and after Finish, writes that one file and nothing else."""
    import json
    import warnings

    import matplotlib
    import pyarrow.parquet as pq

    from sim.core.checks import ConfigError
    from sim.tabletop import sessions

    s = sessions.create(("+exercise=festival_night", "sim.days=1.25"), tmp_path, "zh")
    with language("en"):  # an English seat gives an order in a Chinese session
        d = s.fire("major_incident", "facilitator", x_m=400.0, y_m=1600.0, units=3)
        with pytest.raises(ConfigError, match="must be"):
            s.fire("major_incident", "facilitator", x_m=-5.0, y_m=1600.0)
    assert "名警力同时到场" in d.effect and english_leftovers(d.effect) == []
    with language("en"):
        s.step()  # the 18:30 festival crowd fires from an English seat's Step: logged in Chinese too
    assert "festival" not in s.snap.log[-1].effect
    path, text = s.export()  # before Finish: claims the new folder, writes the script
    assert path.read_text() == text and json.loads((s.out_dir / "manifest.json").read_text())["status"] == "running"

    monkeypatch.setitem(matplotlib.rcParams, "font.family", ["DejaVu Sans"])  # as the server's libraries may
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        s.finish()
        deadline = time.monotonic() + 240
        while s.outputs is None and not s.error and time.monotonic() < deadline:
            time.sleep(0.2)
    assert s.error == "" and s.outputs is not None
    out = s.out_dir
    report = (out / "after_action.html").read_text()
    assert 'lang="zh-CN"' in report and "名警力同时到场" in report
    effects = pq.read_table(out / "decisions.parquet").column("effect").to_pylist()
    assert effects[0] == d.effect and all(english_leftovers(e) == [] for e in effects)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    manifest = (out / "manifest.json").read_text()
    assert json.loads(manifest)["status"] == "finished" and (out / "DONE").exists()
    # after Finish: the script again, beside the run's files
    path2, text2 = s.export()
    assert path2 == out / sessions.SCRIPT_FILE and path2.read_text() == text2
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert {k: v for k, v in after.items() if k != sessions.SCRIPT_FILE} == {
        k: v for k, v in before.items() if k != sessions.SCRIPT_FILE}
    assert (out / "manifest.json").read_text() == manifest and (out / "summary.json").exists()


def test_the_gallery_starts_a_script_as_written_in_the_rooms_language(tmp_path):
    from sim.tabletop import sessions

    scripts = {s.name: s for s in sessions.gallery_scripts()}
    assert {"festival_night", "mountain_flood", "fraud_wave"} <= set(scripts)
    args = sessions.script_overrides(scripts["mountain_flood"], ("+exercise=festival_night", "district=urban_core",
                                                                 "lang=zh", "seed=3"))
    assert args == ("lang=zh", "seed=3", "+exercise=mountain_flood")
    session = sessions.create(args, tmp_path, "zh")
    assert session.title("zh") == scripts["mountain_flood"].title["zh"] and session.snap.t_min == 6 * 60
    assert session.model.cfg.district.name == scripts["mountain_flood"].district


def test_script_text_in_the_page_tables_is_text_not_markup():
    from sim.tabletop.panels import as_text

    hostile = '<img src=x onerror="alert(1)"> {{ 7*6 }}'
    shown = as_text(hostile)
    assert "<" not in shown and "{" not in shown and "}" not in shown
    assert shown.startswith("&lt;img") and "&#123;&#123; 7*6 &#125;&#125;" in shown


@pytest.mark.slow
def test_bad_overrides_fail_in_one_line_before_any_server():
    for args in (["district=atlantis"], ["+exercise=festival_night", "--port", "99999"], ["--bogus"], ["lang=fr"],
                 ["exercise.file=/nonexistent/script.yaml"]):
        proc = subprocess.run([sys.executable, "-m", "sim.tabletop", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("config error"), proc.stderr
    # lang=zh comes first: the port's message is Chinese, one line ending in a newline; -h is the usage
    proc = subprocess.run([sys.executable, "-m", "sim.tabletop", "lang=zh", "--port", "99999"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("配置错误") and "端口" in proc.stderr, proc.stderr
    assert proc.stderr.endswith("\n") and len(proc.stderr.splitlines()) == 1
    proc = subprocess.run([sys.executable, "-m", "sim.tabletop", "-h"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: python -m sim.tabletop") and "127.0.0.1" in proc.stdout


# --- in the browser ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module, Chinese by default (lang=zh); English seats ask for it with &lang=en."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./dev test installs Debian's chromium (apt-get install chromium)")
    out = tmp_path_factory.mktemp("tabletop") / "room"
    port = _free_port()
    log_path = out.parent / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "sim.tabletop", "+exercise=festival_night", "lang=zh",
                             "--port", str(port), f"hydra.run.dir={out}"], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "the tabletop server did not start in 120 s"
            time.sleep(0.3)
        yield url, out, log_path
    finally:
        proc.terminate()  # our own process, by its PID
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(context, url: str, foreign: list, *more: str):
    """Pages at ``url`` (and ``more``), loading side by side; each returned once Solara has rendered it."""
    pages = []
    for address in (url, *more):
        page = context.new_page()
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:")) else None)
        page.goto(address, wait_until="commit")
        pages.append(page)
    for page in pages:
        page.locator("#loader-container").wait_for(state="detached", timeout=60_000)
    return pages[0] if not more else pages


def _start(context, url: str, lang: str, foreign: list):
    """The home page in ``lang``; start a session with the command line's script; the facilitator's page."""
    page = _open(context, f"{url}/?lang={lang}", foreign)
    page.get_by_test_id("script-command-line").get_by_test_id("start").click()
    page.wait_for_url(re.compile(r".*/facilitator\?session=[A-Z2-9]{5}.*"), timeout=60_000)
    page.get_by_test_id("clock").wait_for(timeout=60_000)
    return page, re.search(r"session=([A-Z2-9]{5})", page.url).group(1)


def _seat_text(page) -> str:
    """What a seat shows, without the script's own text (briefing, title: data, not labels)."""
    return page.evaluate("""() => { let text = document.body.innerText;
        document.querySelectorAll('[data-testid=briefing], [data-testid=exercise-title]').forEach(
            e => { if (e.innerText) text = text.split(e.innerText).join(' '); });
        return text; }""")


def _click_map(page, fx: float, fy: float) -> tuple[float, float]:
    """Click the map at fractions of its shown size; the point in metres (from the frame the page drew)."""
    img = page.get_by_test_id("map-image")
    page.wait_for_function("el => el.complete && el.naturalWidth > 300", arg=img.element_handle())
    box = img.bounding_box()
    img.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
    frame = [float(v) for v in img.get_attribute("data-frame").split(",")]
    return click_to_m(frame, fx, fy)


def _shot(page, name: str) -> None:
    folder = os.environ.get(SCREENSHOT_ENV)
    if folder:
        page.wait_for_timeout(800)
        page.screenshot(path=str(Path(folder) / f"tabletop_{name}.png"), full_page=True)


@pytest.mark.browser
def test_seats_of_one_session_share_it_and_a_second_session_stays_apart(server, browser):
    from playwright.sync_api import expect

    url, out, log_path = server
    foreign: list[str] = []
    context = browser.new_context(viewport={"width": 1500, "height": 1150})
    fac, code = _start(context, url, "en", foreign)
    trainee, projector = _open(context, f"{url}/trainee?session={code}&lang=en", foreign,
                               f"{url}/projector?session={code}&lang=en")
    for page in (fac, trainee, projector):
        expect(page.get_by_test_id("clock")).to_have_text("Day 1 18:00")
        expect(page.get_by_test_id("code")).to_contain_text(code)
    assert fac.title() == "Community policing tabletop · Facilitator"
    expect(fac.get_by_test_id("timeline")).to_contain_text("Day 1 18:30  festival crowd")
    trainee_text = _seat_text(trainee)
    assert [w for w in SCRIPTED if w in trainee_text] == [] and "Fire inject" not in trainee_text
    for page in (fac, trainee, projector):  # Mesa's generic panels are gone
        assert not {"Model Parameters", "PAGE 0", "Solara"} & set(page.title().split()) and \
            "Model Parameters" not in page.inner_text("body")

    # the facilitator clicks the map for the inject's place and fires it: the trainees' queue has the call
    x, y = _click_map(fac, 0.30, 0.25)
    expect(fac.get_by_test_id("facilitator-x_m").locator("input")).not_to_have_value("")
    fac.get_by_test_id("facilitator-units").locator("input").fill("3")
    fac.get_by_role("button", name="Fire inject").click()
    line = fac.get_by_test_id("log-line").first
    expect(line).to_contain_text("Day 1 18:00 [facilitator] major incident")
    fired = re.search(r"call (\d+): 3 units needed at \((\d+), (\d+)\) m", line.inner_text())
    near_m = 15.0  # three pixels of the shown map (2 km over about 400 px): Playwright clicks whole pixels
    assert fired and abs(int(fired.group(2)) - x) <= near_m and abs(int(fired.group(3)) - y) <= near_m
    t0 = time.monotonic()
    expect(trainee.get_by_test_id("queue")).to_contain_text("major incident", timeout=5_000)
    expect(trainee.get_by_test_id("queue")).to_contain_text(fired.group(1))
    seen_s = time.monotonic() - t0

    # the trainees order unit 4 to a point clicked on their map: the facilitator's log has it
    trainee.get_by_test_id("trainee-unit").locator("input").last.fill("4")
    tx, ty = _click_map(trainee, 0.55, 0.60)
    expect(trainee.get_by_test_id("trainee-y_m").locator("input")).not_to_have_value("")
    tx = float(trainee.get_by_test_id("trainee-x_m").locator("input").input_value())
    ty = float(trainee.get_by_test_id("trainee-y_m").locator("input").input_value())
    trainee.get_by_role("button", name="Give order").click()
    expect(fac.get_by_test_id("log-line").first).to_contain_text(
        f"[trainee] move unit: auxiliary 4 to ({tx:.0f}, {ty:.0f})", timeout=5_000)
    expect(trainee.get_by_test_id("log-line")).to_have_count(1)  # the trainees see their orders only

    # the projector's clock follows a step and a jump on the facilitator's page
    fac.get_by_test_id("step").click()
    expect(projector.get_by_test_id("clock")).to_have_text("Day 1 19:00", timeout=5_000)
    fac.get_by_test_id("jump").locator("input").fill("19.5")
    fac.get_by_test_id("jump-button").click()
    expect(projector.get_by_test_id("clock")).to_have_text("Day 1 19:30", timeout=5_000)
    expect(trainee.get_by_test_id("clock")).to_have_text("Day 1 19:30")
    trainee_text = _seat_text(trainee)
    assert [w for w in SCRIPTED if w in trainee_text] == []
    for page, seat in ((fac, "facilitator"), (trainee, "trainee"), (projector, "projector")):
        _shot(page, f"{seat}_en")

    # a second session on the same server: its own code and model
    other, code2 = _start(context, url, "en", foreign)
    assert code2 != code
    expect(other.get_by_test_id("clock")).to_have_text("Day 1 18:00")
    expect(other.get_by_test_id("log-line")).to_have_count(0)
    other.get_by_test_id("step").click()
    expect(other.get_by_test_id("clock")).to_have_text("Day 1 19:00")
    expect(projector.get_by_test_id("clock")).to_have_text("Day 1 19:30")
    other.close()

    # Finish: every seat names the report, the counterfactual and the log; the report opens
    fac.get_by_test_id("finish").click()
    for page in (fac, trainee, projector):
        expect(page.get_by_test_id("finished")).to_contain_text("after_action.html", timeout=120_000)
    finished = trainee.get_by_test_id("finished").inner_text()
    assert str(out / code / "after_action.html") in finished and str(out / code / "decisions.parquet") in finished
    assert str(out / code / "counterfactual") in finished
    with projector.expect_popup() as popup:
        projector.get_by_test_id("report-link").click()
    report = popup.value
    report.wait_for_load_state()
    assert "after" in report.title().lower() or report.locator("h1").count() > 0
    assert report.content().count("<svg") + report.content().count("data:image/png") > 0
    expect(projector.get_by_test_id("clock")).to_have_text("Day 2 06:00")
    log_text = log_path.read_text(errors="replace")
    assert f"{code}" in log_text and str(out / code / "after_action.html") in log_text  # and in the console
    context.close()
    assert foreign == []  # Solara's assets come from the server, not a CDN
    assert (out / code / "DONE").exists() and (out / code / "counterfactual" / "DONE").exists()
    import pyarrow.parquet as pq

    rows = pq.read_table(out / code / "decisions.parquet").to_pylist()
    assert [(d["source"], d["kind"]) for d in rows][:3] == [
        ("facilitator", "major_incident"), ("trainee", "move_unit"), ("script", "festival_crowd")]
    assert seen_s < 5.0


@pytest.mark.browser
def test_the_seats_in_chinese(server, browser):
    from playwright.sync_api import expect

    url, out, _log = server
    foreign: list[str] = []
    context = browser.new_context(viewport={"width": 1500, "height": 1150})
    fac, code = _start(context, url, "zh", foreign)  # the server's default language is zh
    trainee, projector = _open(context, f"{url}/trainee?session={code}", foreign, f"{url}/projector?session={code}")
    expect(fac.get_by_test_id("seat")).to_have_text("导调员")
    expect(trainee.get_by_test_id("seat")).to_have_text("学员")
    expect(projector.get_by_test_id("seat")).to_have_text("投影屏")
    for page in (fac, trainee, projector):
        expect(page.get_by_test_id("clock")).to_have_text("第1天 18:00")
    assert fac.title() == "社区警务推演 · 导调员"
    _click_map(fac, 0.40, 0.45)
    fac.get_by_role("button", name="注入情况").click()
    from sim.i18n.terms import term

    with language("zh"):
        major = term("major_incident")
    expect(trainee.get_by_test_id("queue")).to_contain_text(major, timeout=5_000)
    trainee.get_by_test_id("trainee-unit").locator("input").last.fill("4")
    _click_map(trainee, 0.55, 0.60)
    trainee.get_by_role("button", name="下达指令").click()
    expect(fac.get_by_test_id("log-line").first).to_contain_text("[学员]", timeout=5_000)
    fac.get_by_test_id("step").click()
    expect(projector.get_by_test_id("clock")).to_have_text("第1天 19:00", timeout=5_000)
    expect(trainee.get_by_test_id("clock")).to_have_text("第1天 19:00")
    expect(fac.get_by_test_id("log-line")).to_have_count(3)
    for page, seat in ((fac, "facilitator"), (trainee, "trainee"), (projector, "projector")):
        text = _seat_text(page)
        assert english_leftovers(text) == [], (seat, english_leftovers(text), text)
        _shot(page, f"{seat}_zh")
    trainee_text = _seat_text(trainee)
    assert [w for w in scripted_zh() if w in trainee_text] == []
    assert "警情队列" in trainee_text and "在岗人员" in trainee_text
    # every kind of both forms and every map layer, clicked in Chinese: the page stays (no traceback)
    from sim.exercise.actions import ACTIONS
    from sim.exercise.injects import INJECTS
    from sim.i18n import Translator
    from sim.tabletop.figures import LAYERS

    tt = Translator("tabletop")
    with language("zh"):
        forms = [(fac, "facilitator", [(term(k), k) for k in INJECTS]),
                 (trainee, "trainee", [(term(k), k) for k in ACTIONS])]
        layers = [tt(x) for x in LAYERS]
    for page, source, kinds in forms:
        for label, kind in kinds:
            button = page.get_by_test_id(f"{source}-kind").get_by_role("button", name=label, exact=True)
            button.click()
            expect(button).to_have_class(re.compile("v-btn--active"))
            expect(page.get_by_test_id(f"{source}-{form_fields(kind)[0][0]}")).to_be_visible()
    for label in layers:
        button = trainee.get_by_test_id("layer").get_by_role("button", name=label, exact=True)
        button.click()
        expect(button).to_have_class(re.compile("v-btn--active"))
    for page in (fac, trainee):
        expect(page.get_by_test_id("clock")).to_have_text("第1天 19:00")
        assert "Traceback" not in page.inner_text("body") and "StopIteration" not in page.inner_text("body")
    # a form sent without its place says so in Chinese; a list of words starts on its first (call-in works)
    fac.get_by_test_id("facilitator-kind").get_by_role("button", name=forms[0][2][1][0], exact=True).click()
    assert forms[0][2][1][1] == "festival_crowd"
    fac.get_by_role("button", name="注入情况").click()
    expect(fac.get_by_test_id("message")).to_contain_text("请在地图上点击或填写 x（米）")
    fac.get_by_test_id("facilitator-kind").get_by_role("button", name=forms[0][2][0][0], exact=True).click()
    expect(fac.get_by_test_id("message")).to_have_count(0)  # switching kind clears the last one's error
    with language("zh"):
        call_in = term("call_in")
    trainee.get_by_test_id("trainee-kind").get_by_role("button", name=call_in, exact=True).click()
    trainee.get_by_role("button", name="下达指令").click()
    expect(trainee.get_by_test_id("log-line")).to_have_count(2, timeout=5_000)
    expect(fac.get_by_test_id("log-line").first).to_contain_text(call_in)
    # the jump takes 19:30, says beside itself that it cannot go back; the projector follows
    t0 = time.monotonic()
    fac.get_by_test_id("jump").locator("input").fill("19:30")
    fac.get_by_test_id("jump-button").click()
    expect(projector.get_by_test_id("clock")).to_have_text("第1天 19:30", timeout=5_000)
    print(f"jump -> projector clock: {time.monotonic() - t0:.2f} s")
    fac.get_by_test_id("jump").locator("input").fill("19:00")
    fac.get_by_test_id("jump-button").click()
    expect(fac.get_by_test_id("jump-message")).to_contain_text("不能往回跳转")
    expect(projector.get_by_test_id("clock")).to_have_text("第1天 19:30")
    # one seat switches to English while the others stay in Chinese
    trainee.get_by_test_id("lang").get_by_role("button", name="English").click()
    expect(trainee.get_by_test_id("seat")).to_have_text("Trainees")
    expect(trainee.get_by_test_id("clock")).to_have_text("Day 1 19:30")
    t0 = time.monotonic()
    fac.get_by_test_id("step").click()
    expect(projector.get_by_test_id("clock")).to_have_text("第1天 20:30", timeout=5_000)
    print(f"step -> projector clock: {time.monotonic() - t0:.2f} s")
    expect(fac.get_by_test_id("seat")).to_have_text("导调员")
    context.close()
    assert foreign == []
