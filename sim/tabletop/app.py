"""The tabletop page: Mesa's SolaraViz (Step, Play/Pause, Reset, play speed in
the sidebar) around the room's own panels.

Served by ``python -m sim.tabletop`` (never import this module from model
code: it starts Solara). One model per browser tab (``use_memo``); every panel
is a Solara component that re-renders on Mesa's ``update_counter``. The Play
button steps the model in a thread, so every change to the model (a step, an
inject, an order, a jump, Finish) holds the model's lock.

Elements carry ``data-testid`` attributes for the browser test.
"""
from __future__ import annotations

import html

import json
import os

import solara
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import force_update, update_counter

from sim.core.checks import ConfigError
from sim.core.markdown import md_table
from sim.core.units import MIN_PER_HOUR
from sim.exercise.actions import ACTIONS
from sim.exercise.injects import INJECTS
from sim.tabletop.figures import LAYERS, charts_figure, map_figure, open_calls, unit_states
from sim.tabletop.forms import choices, form_fields, parse
from sim.tabletop.room import TICK_CHOICES_MIN, TabletopModel

OVERRIDES_ENV = "SIM_TABLETOP_OVERRIDES"  # JSON list, set by python -m sim.tabletop
WRAP = {"flex-wrap": "wrap", "height": "auto"}  # toggle rows wrap instead of overflowing the card
MAX_ROWS = 12  # rows of the queue and staff tables; assumption (a projector's worth)


# (x, y, w, h) on SolaraViz's 12-column grid, one per panel in Page's order; Mesa's default gives every
# component the same half-width 10-row box, which clips the map and the forms
LAYOUT = ((0, 0, 6, 16), (6, 0, 6, 11), (0, 16, 6, 13), (6, 16, 6, 13), (0, 29, 6, 11), (6, 11, 6, 5),
          (6, 29, 6, 13), (0, 40, 6, 11))


def grid_layout(n: int) -> list[dict]:
    return [{"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False} for i, (x, y, w, h) in enumerate(LAYOUT[:n])]


solara_viz.make_initial_grid_layout = grid_layout  # ComponentsView looks it up when it lays out a page


def overrides() -> tuple[str, ...]:
    return tuple(json.loads(os.environ.get(OVERRIDES_ENV, "[]")))


def label(kind: str) -> str:
    return kind.replace("_", " ")


# per browser tab (Solara scopes module-level reactives to the tab's kernel)
layer = solara.reactive(LAYERS[0])
inject_kind = solara.reactive("major_incident")
action_kind = solara.reactive("call_in")
texts = solara.reactive({})  # (kind, parameter) -> text typed in the field
notes = solara.reactive({})  # kind -> note typed
message = solara.reactive("")
jump_text = solara.reactive("")


def testid(name: str) -> dict:
    return {"data-testid": name}


@solara.component
def MapPanel(model):
    update_counter.get()
    with solara.Card("District"):
        with solara.Div(attributes=testid("layer")):
            solara.ToggleButtonsSingle(value=layer, values=list(LAYERS))
        with model.lock:
            fig = map_figure(model, layer.value)
        with solara.Div(attributes=testid("map")):
            solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.env.now, layer.value,
                                                                      len(model.session.log)])


@solara.component
def ExercisePanel(model):
    update_counter.get()
    ex = model.cfg.exercise
    queued = sum(r["queued"] for r in open_calls(model))
    on_duty = int(model.fleet.on_duty.sum())

    def set_tick(text):
        model.tick_min = float(text.split()[0])
        force_update()

    def jump():
        try:
            hour = float(jump_text.value)
        except ValueError:
            message.set(f"jump: {jump_text.value!r} is not an hour (e.g. 21.5 for 21:30 on day 1)")
            return
        with model.lock:
            model.jump_to(hour * MIN_PER_HOUR)
        message.set(f"jumped to {model.session.clock()}")
        force_update()

    def finish():
        with model.lock:
            path = model.finish()
        message.set(f"after-action report: {path}")
        force_update()

    with solara.Card(ex.title or "Free play"):
        solara.Div(children=[model.session.clock()], attributes=testid("clock"),
                   style={"font-size": "26px", "font-weight": "bold"})
        solara.Div(children=[f"{queued} calls waiting, {len(open_calls(model)) - queued} being worked, "
                             f"{on_duty} staff on duty" + (" - exercise over" if model.session.finished else "")],
                   attributes=testid("status"))
        solara.Text("Minutes per step:")
        with solara.Div(attributes=testid("tick")):
            solara.ToggleButtonsSingle(value=f"{model.tick_min:g} min", values=[f"{t} min" for t in TICK_CHOICES_MIN],
                                       on_value=set_tick, style=WRAP)
        with solara.Row():
            with solara.Div(attributes=testid("jump"), style={"width": "220px"}):
                solara.InputText("jump to hour (e.g. 21.5)", value=jump_text, continuous_update=True)
            solara.Button("Jump", on_click=jump, disabled=model.session.finished)
        solara.Button("Finish and write the report", color="warning", on_click=finish,
                      disabled=model.report is not None)
        if message.value:
            solara.Div(children=[message.value], attributes=testid("message"), style={"color": "#8b0000"})
        upcoming = [p for p in sorted(model.session.pending)][:3]
        if upcoming:
            solara.Markdown("**Scripted next:** " + "; ".join(
                f"{p.event.at_h:g} h {label(p.event.kind)}" for p in upcoming))
        if ex.briefing:
            with solara.Details("Briefing"):  # a shared script's text: shown as text, never as HTML
                solara.Div(children=[ex.briefing], attributes=testid("briefing"), style={"white-space": "pre-wrap"})


def EventForm(model, title: str, kinds: dict, kind_state, source: str, button: str):
    kind = kind_state.value

    def set_text(name, value):
        texts.set({**texts.value, (kind, name): value})

    def fire():
        values = {name: texts.value.get((kind, name), shown) for name, shown in form_fields(kind)}
        try:
            params = parse(kind, values)
            with model.lock:
                decision = model.session.fire(kind, source, note=notes.value.get(kind, ""), **params)
            message.set(f"{decision.clock} {label(kind)}: {decision.effect}")
        except (ConfigError, ValueError) as exc:
            message.set(f"{label(kind)} not fired: {exc}")
        force_update()

    with solara.Card(title):
        with solara.Div(attributes=testid(f"{source}-kind")):
            solara.ToggleButtonsSingle(value=label(kind), values=[label(k) for k in kinds],
                                       on_value=lambda v: kind_state.set(v.replace(" ", "_")), style=WRAP)
        for name, shown in form_fields(kind):
            value = texts.value.get((kind, name), shown)
            words = choices(kind, name)
            with solara.Div(attributes=testid(f"{source}-{name}")):
                if words:
                    solara.Select(label=name, value=value or None, values=list(words),
                                  on_value=lambda v, name=name: set_text(name, v))
                else:
                    solara.InputText(label=name.replace("_", " "), value=value, continuous_update=True,
                                     on_value=lambda v, name=name: set_text(name, v))
        solara.InputText(label="note", value=notes.value.get(kind, ""), continuous_update=True,
                         on_value=lambda v: notes.set({**notes.value, kind: v}))
        solara.Button(button, color="primary", on_click=fire, disabled=model.session.finished)


@solara.component
def InjectPanel(model):
    update_counter.get()
    EventForm(model, "Facilitator: injects", INJECTS, inject_kind, "facilitator", "Fire inject")


@solara.component
def ActionPanel(model):
    update_counter.get()
    EventForm(model, "Trainees: decisions", ACTIONS, action_kind, "trainee", "Give order")


def as_text(value) -> str:
    """A table cell from configs or scripts, shown as text: Markdown here is
    rendered as HTML in a Vue template, so markup and ``{{ }}`` are escaped."""
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


@solara.component
def QueuePanel(model):
    update_counter.get()
    rows = open_calls(model)
    table = md_table(["call", "type", "P", "status", "waiting (min)", "units"],
                     [[as_text(r["call"]), as_text(label(r["type"])), r["priority"], as_text(r["status"]),
                       f"{r['waiting_min']:.0f}", ", ".join(map(str, r["units"])) or "-"] for r in rows[:MAX_ROWS]])
    with solara.Card(f"Call queue: {len(rows)} open"):
        with solara.Div(attributes=testid("queue")):
            solara.Markdown(table if rows else "No open calls.")


@solara.component
def StaffPanel(model):
    update_counter.get()
    rows = [u for u in unit_states(model) if u["state"] != "off duty"]
    table = md_table(["unit", "role", "state", "order"],
                     [[f"{u['unit']}{' (reserve)' if u['reserve'] else ''}", label(u["role"]), as_text(u["state"]),
                       as_text(u["order"] or "-")] for u in rows[:MAX_ROWS]])
    with solara.Card(f"Staff on duty: {len(rows)}"):
        solara.Markdown(table if rows else "Nobody on duty.")


@solara.component
def LogPanel(model):
    update_counter.get()
    with solara.Card(f"Decision log: {len(model.session.log)}"):
        with solara.Div(attributes=testid("log"), style={"max-height": "120px", "overflow-y": "auto"}):
            for d in reversed(model.session.log):
                solara.Div(children=[f"{d.clock} [{d.source}] {label(d.kind)}: {d.effect}"],
                           attributes=testid("log-line"))


@solara.component
def ChartsPanel(model):
    update_counter.get()
    with model.lock:
        fig = charts_figure(model)
    with solara.Card("Live charts"):
        solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.env.now, len(model.session.log)])


@solara.component
def Page():
    args = overrides()
    model = solara.use_memo(lambda: TabletopModel(args), [])
    SolaraViz(model, components=[MapPanel, ExercisePanel, InjectPanel, ActionPanel, QueuePanel, LogPanel,
                                 ChartsPanel, StaffPanel],
              model_params={"overrides": args}, name="Community policing tabletop", play_interval=500)
