"""The tabletop page in a real browser: ``python -m sim.tabletop`` serves it on
127.0.0.1, Playwright drives Debian's Chromium (/usr/bin/chromium; no browser
is downloaded). Checks that the map renders, that Step advances the clock,
that a facilitator's inject and a trainee's order reach the log and change the
model, that Finish writes the report, and saves a screenshot.

Also: the figures and forms without a browser, and the CLI's bad input."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sim.tabletop.figures import charts_figure, map_figure, open_calls, unit_states
from sim.tabletop.forms import choices, form_fields, parse
from sim.tabletop.room import TabletopModel

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # ../shared/STACK.md
SCREENSHOT_ENV = "SIM_TABLETOP_SCREENSHOT"  # also save the screenshot there (the README's picture)


# --- without a browser --------------------------------------------------------------------
def test_the_room_model_starts_at_the_exercise_and_steps_by_its_tick():
    m = TabletopModel(("+exercise=festival_night",))
    assert m.session.clock() == "Day 1 18:00" and m.session.log == []
    m.tick_min = 30.0
    m.step()
    assert m.session.clock() == "Day 1 18:30" and [d.kind for d in m.session.log] == ["festival_crowd"]
    m.jump_to(21.5 * 60)
    assert [d.kind for d in m.session.log] == ["festival_crowd", "staff_sickness", "major_incident"]
    assert any(c["type"] == "major_incident" for c in open_calls(m))
    states = {u["state"] for u in unit_states(m)}
    assert states <= {"off duty", "waiting", "patrolling", "en route", "on scene"} and len(states) > 1
    for fig in (map_figure(m), charts_figure(m)):
        assert fig.axes


def test_forms_parse_the_page_fields_and_name_a_bad_one():
    assert [n for n, _ in form_fields("major_incident")] == ["x_m", "y_m", "units", "on_scene_min"]
    assert dict(form_fields("major_incident"))["units"] == "4"
    assert parse("major_incident", {"x_m": " 100 ", "y_m": "2e2", "units": "3", "on_scene_min": ""}) == {
        "x_m": 100.0, "y_m": 200.0, "units": 3}
    with pytest.raises(Exception, match="units='three': must be a whole number"):
        parse("major_incident", {"units": "three"})
    assert [n for n, _ in form_fields("festival_crowd")][-1] == "calls_per_hour"  # the call mix stays a default
    assert choices("set_task", "task") == ("policy", "post", "hold", "patrol")
    assert choices("call_in", "role") == ("officer", "auxiliary", "volunteer", "grid_worker")
    assert "hotspot" in choices("set_policy", "policy") and "elastic" not in choices("set_policy", "policy")
    assert choices("major_incident", "x_m") == ()  # a free text field


@pytest.mark.slow
def test_bad_overrides_fail_in_one_line_before_any_server():
    for args in (["district=atlantis"], ["+exercise=festival_night", "--port", "99999"], ["--bogus"]):
        proc = subprocess.run([sys.executable, "-m", "sim.tabletop", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("config error")


# --- in the browser ------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./dev test installs Debian's chromium (apt-get install chromium)")
    out = tmp_path_factory.mktemp("tabletop") / "session"
    port = _free_port()
    log = open(out.parent / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "sim.tabletop", "+exercise=festival_night", "--port", str(port),
                             f"hydra.run.dir={out}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    try:
        while True:
            assert proc.poll() is None, (out.parent / "server.log").read_text()
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "the tabletop server did not start in 120 s"
            time.sleep(0.3)
        yield url, out
    finally:
        proc.terminate()  # our own process, by its PID
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.mark.browser
def test_a_room_steps_fires_an_inject_orders_a_unit_and_finishes(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, out = server
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1250})
        foreign = []
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(
            ("http://127.0.0.1", "ws://127.0.0.1", "blob:", "data:")) else None)
        page.goto(url)
        page.locator("#loader-container").wait_for(state="detached", timeout=60_000)
        clock = page.get_by_test_id("clock")
        expect(clock).to_have_text("Day 1 18:00", timeout=60_000)
        expect(page.get_by_role("button", name="Step")).to_be_enabled()
        page.wait_for_timeout(1500)  # SolaraViz lays its grid out once more after the first render

        # the map renders: an image with real pixels
        img = page.get_by_test_id("map").locator("img")
        expect(img).to_be_visible()
        page.wait_for_function("el => el.complete && el.naturalWidth > 300", arg=img.element_handle())
        first_map = img.get_attribute("src")

        # stepping advances the clock (and fires the script's 18:30 inject on time)
        page.get_by_role("button", name="Step").click()
        expect(clock).to_have_text("Day 1 19:00")
        expect(page.get_by_test_id("log-line")).to_have_count(1)
        expect(page.get_by_test_id("log-line").first).to_contain_text("[script] festival crowd")
        expect(img).not_to_have_attribute("src", first_map)  # the map was redrawn

        # the facilitator fires a major incident from the page
        page.get_by_test_id("facilitator-kind").get_by_role("button", name="major incident").click()
        page.get_by_test_id("facilitator-x_m").locator("input").fill("400")
        page.get_by_test_id("facilitator-y_m").locator("input").fill("1600")
        page.get_by_test_id("facilitator-units").locator("input").fill("3")
        page.get_by_role("button", name="Fire inject").click()
        line = page.get_by_test_id("log-line").first
        expect(line).to_contain_text("Day 1 19:00 [facilitator] major incident")
        expect(line).to_contain_text("3 units needed at (400, 1600) m")
        call_id = re.search(r"call (\d+)", line.inner_text()).group(1)
        expect(page.get_by_test_id("queue")).to_contain_text("major incident")  # the model has the call
        expect(page.get_by_test_id("queue")).to_contain_text(call_id)

        # the trainees order unit 4 to the fair
        page.get_by_test_id("trainee-kind").get_by_role("button", name="move unit").click()
        page.get_by_test_id("trainee-unit").locator("input").fill("4")
        page.get_by_test_id("trainee-x_m").locator("input").fill("1500")
        page.get_by_test_id("trainee-y_m").locator("input").fill("700")
        page.get_by_role("button", name="Give order").click()
        expect(page.get_by_test_id("log-line").first).to_contain_text("[trainee] move unit: unit 4 to (1500, 700)")

        # a bad field is refused with a message, and nothing is logged
        page.get_by_test_id("trainee-unit").locator("input").fill("four")
        page.get_by_role("button", name="Give order").click()
        expect(page.get_by_test_id("message")).to_contain_text("must be a whole number")
        expect(page.get_by_test_id("log-line")).to_have_count(3)

        page.get_by_role("button", name="Step").click()
        expect(clock).to_have_text("Day 1 20:00")
        page.wait_for_timeout(1500)
        page.get_by_test_id("map").evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        shot = tmp_path / "tabletop.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 50_000
        if os.environ.get(SCREENSHOT_ENV):
            shutil.copy(shot, os.environ[SCREENSHOT_ENV])

        # Finish plays to the end and writes the report where hydra.run.dir said
        page.get_by_role("button", name="Finish and write the report").click()
        expect(page.get_by_test_id("message")).to_contain_text("after_action.html", timeout=120_000)
        expect(clock).to_have_text("Day 2 06:00")
        browser.close()
    assert foreign == []  # Solara's assets come from the server, not a CDN
    assert (out / "DONE").exists() and (out / "counterfactual" / "DONE").exists()
    import pyarrow.parquet as pq

    log = pq.read_table(out / "decisions.parquet").to_pylist()
    assert [(d["source"], d["kind"]) for d in log] == [
        ("script", "festival_crowd"), ("facilitator", "major_incident"), ("trainee", "move_unit"),
        ("script", "staff_sickness"), ("script", "major_incident")]
    assert log[1]["t_min"] == 19 * 60 and log[2]["t_min"] == 19 * 60
    assert "[facilitator]" not in (out / "after_action.html").read_text()  # the report names sources its way


def test_script_text_in_the_page_tables_is_text_not_markup():
    from sim.tabletop.app import as_text

    hostile = '<img src=x onerror="alert(1)"> {{ 7*6 }}'
    shown = as_text(hostile)
    assert "<" not in shown and "{" not in shown and "}" not in shown
    assert shown.startswith("&lt;img") and "&#123;&#123; 7*6 &#125;&#125;" in shown
