"""The panels the seats are built from: header, map, call queue, staff on
duty, decision log, the inject and order forms, the end-of-exercise banner.

Every panel reads the session's snapshot (``session.snap``), never the model
mid-run, and draws in the seat's language (``widgets.translated``). Text from
a script or a config (briefing, notes, call ids) is shown as text, never as
markup. Elements carry ``data-testid`` attributes for the browser test.
"""
from __future__ import annotations

import html

import solara

from sim.core.checks import ConfigError
from sim.core.markdown import md_table
from sim.exercise.actions import ACTIONS
from sim.exercise.injects import INJECTS
from sim.i18n import N_, Translator
from sim.i18n.terms import term
from sim.tabletop.figures import LAYERS, call_status, click_to_m, clock_text, unit_at, unit_name
from sim.tabletop.forms import FormError, choices, form_fields, param_label, parse
from sim.tabletop.widgets import ClickImage, LanguageSwitch, current_seat_lang, in_seat_lang, translated

_ = Translator("tabletop")

WRAP = {"flex-wrap": "wrap", "height": "auto"}  # toggle rows wrap instead of overflowing the card
MAX_ROWS = 12  # rows of the queue and staff tables; assumption (a projector's worth)
PICK_RADIUS = 0.03  # a click this close to a unit (fraction of the map's width) picks it; assumption
REPORT_PATH = "/tabletop-report/{code}"  # the after-action report of a finished session (app.py serves it)

TASK_LABELS = {"policy": N_("back to the policy"), "post": N_("wait at the post"), "hold": N_("hold where it is"),
               "patrol": N_("patrol the office area")}
SEAT_NAMES = {"home": N_("Start or join a session"), "facilitator": N_("Facilitator"), "trainee": N_("Trainees"), "projector": N_("Projector")}
APP_TITLE = N_("Community policing tabletop")

# per browser tab: what this seat is typing
layer = solara.reactive(LAYERS[0])
form_kind = solara.reactive("")  # the kind chosen in this seat's form
texts = solara.reactive({})  # (kind, parameter) -> text typed or clicked
notes = solara.reactive({})  # kind -> note typed
message = solara.reactive("")
pick = solara.reactive("place")  # what a click on the map sets: "place" or "unit"


def testid(name: str) -> dict:
    return {"data-testid": name}


def as_text(value) -> str:
    """A table cell from configs or scripts, shown as text: Markdown here is
    rendered as HTML in a Vue template, so markup and ``{{ }}`` are escaped."""
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


def choice_label(name: str, key: str) -> str:
    return _(TASK_LABELS[key]) if name == "task" and key in TASK_LABELS else term(key)


def log_line(d) -> str:
    return _("{clock} [{source}] {kind}: {effect}").format(clock=clock_text(d.t_min), source=term(d.source),
                                                           kind=term(d.kind), effect=d.effect)


# --- header and end ---------------------------------------------------------------------------
@translated
def Header(session, seat: str):
    title = _(APP_TITLE)
    solara.Title(f"{title} · {_(SEAT_NAMES[seat])}")
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "16px"}):
        solara.HTML(tag="h2", unsafe_innerHTML=html.escape(title), style={"margin": "0"})
        solara.Div(children=[_(SEAT_NAMES[seat])], attributes=testid("seat"), style={"font-size": "20px"})
        if session is not None:
            solara.Div(children=[_("session {code}").format(code=session.code)], attributes=testid("code"),
                       style={"font-size": "20px", "font-weight": "bold", "letter-spacing": "2px"})
            if session.title(current_seat_lang()):
                solara.Div(children=[session.title(current_seat_lang())], attributes=testid("exercise-title"))
        LanguageSwitch()


@translated
def Clock(session, big: bool = False):
    snap = session.snap
    solara.Div(children=[clock_text(snap.t_min)], attributes=testid("clock"),
               style={"font-size": "64px" if big else "28px", "font-weight": "bold"})


@translated
def EndBanner(session):
    """All seats see that the exercise ended, and where its records are; the report opens from here."""
    if session.error:
        solara.Error(_("Finishing failed: {error}").format(error=session.error))
    elif session.finishing:
        solara.Info(_("Finishing: playing the rest of the exercise and writing the report..."),
                    attributes=testid("finishing"))
    elif session.outputs:
        out = session.outputs
        cf = out["counterfactual"]
        with solara.Card(_("The exercise is over")):
            with solara.Div(attributes=testid("finished")):
                solara.Div(children=[_("Report: {path}").format(path=out["report"])])
                solara.Div(children=[_("Counterfactual (the same injects, no decisions): {path}").format(path=cf)
                                     if cf.exists() else _("Counterfactual: not written (exercise.counterfactual=false)")])
                solara.Div(children=[_("Decision log: {path}").format(path=out["decisions"])])
            solara.HTML(tag="a", unsafe_innerHTML=html.escape(_("Open the after-action report")),
                        attributes={"href": REPORT_PATH.format(code=session.code), "target": "_blank",
                                    "data-testid": "report-link"},
                        style={"font-size": "18px", "font-weight": "bold"})


# --- the map ------------------------------------------------------------------------------------
@translated
def MapCard(session, seat: str, kinds: dict | None = None, big: bool = False):
    """The district; on the facilitator's and trainees' seats a click sets the form's position or unit."""
    lang = current_seat_lang()
    url, frame = session.image("map", lang, layer.value)  # one drawing per change and language for all seats
    snap = session.snap

    def clicked(data):
        if not data or kinds is None:
            return
        point = click_to_m(frame, float(data["fx"]), float(data["fy"]))
        if point is None:
            return
        kind = form_kind.value or next(iter(kinds))
        fields = [n for n, _shown in form_fields(kind)]
        if "unit" in fields and (pick.value == "unit" or "x_m" not in fields):
            u = unit_at(frame, snap.units, float(data["fx"]), float(data["fy"]), PICK_RADIUS)
            if u is None:
                message.set(_("no unit there: click on a unit's marker"))
                return
            texts.set({**texts.value, (kind, "unit"): str(u["unit"])})
            message.set(_("unit picked: {name}").format(name=unit_name(u)))
            if "x_m" in fields:
                pick.set("place")
        elif "x_m" in fields:
            x, y = point
            texts.set({**texts.value, (kind, "x_m"): f"{x:.0f}", (kind, "y_m"): f"{y:.0f}"})
            message.set(_("position from the map: ({x:.0f}, {y:.0f}) m").format(x=x, y=y))
        else:
            message.set(_("{kind} takes no position").format(kind=term(kind)))

    with solara.Card(_("District") if not big else None):
        if not big:
            shown = {_(x): x for x in LAYERS}  # label in the seat's language -> key, built while rendering
            with solara.Div(attributes=testid("layer")):
                solara.ToggleButtonsSingle(value=_(layer.value), values=list(shown), dense=True,
                                           on_value=lambda v: layer.set(shown[v]), style=WRAP)
        ClickImage.element(src=url, frame=",".join(f"{v:g}" for v in frame), clickable=kinds is not None,
                           testid="map-image", alt=_("map of the district"),
                           max_width="1000px" if big else "640px", on_clicked=in_seat_lang(clicked))
        if kinds is not None:
            solara.Text(_("Click on the map to set the position of the form below (or type it)."))


# --- tables -------------------------------------------------------------------------------------
@translated
def QueuePanel(session):
    rows = session.snap.calls
    table = md_table([_("call"), _("type"), _("priority"), _("status"), _("elapsed (min)"), _("units")],
                     [[as_text(r["call"]), as_text(term(r["type"])), r["priority"], as_text(call_status(r["status"])),
                       f"{r['waiting_min']:.0f}", ", ".join(map(str, r["units"])) or "-"] for r in rows[:MAX_ROWS]])
    with solara.Card(_("Call queue: {n} open").format(n=len(rows))):
        with solara.Div(attributes=testid("queue")):
            solara.Markdown(table if rows else _("No open calls."))


@translated
def StaffPanel(session):
    rows = [u for u in session.snap.units if u["state"] != "off duty"]
    table = md_table([_("unit"), _("state"), _("order")],
                     [[as_text(unit_name(u) + (_(" (reserve)") if u["reserve"] else "")), as_text(term(u["state"])),
                       as_text(choice_label("task", u["order"]) if u["order"] else "-")] for u in rows[:MAX_ROWS]])
    with solara.Card(_("Staff on duty: {n}").format(n=len(rows))):
        with solara.Div(attributes=testid("staff")):
            solara.Markdown(table if rows else _("Nobody on duty."))


@translated
def LogPanel(session, title: str, sources: tuple[str, ...] | None = None, limit: int | None = None,
             height: str = "200px"):
    lines = [d for d in session.snap.log if sources is None or d.source in sources]
    lines = lines[::-1][:limit] if limit else lines[::-1]
    with solara.Card(_(title).format(n=len(lines))):
        with solara.Div(attributes=testid("log"), style={"max-height": height, "overflow-y": "auto"}):
            for d in lines:
                solara.Div(children=[log_line(d)], attributes=testid("log-line"))


@translated
def Briefing(session):
    text = session.briefing(current_seat_lang())
    if text:
        with solara.Details(_("Briefing")):  # a shared script's text: shown as text, never as HTML
            solara.Div(children=[text], attributes=testid("briefing"), style={"white-space": "pre-wrap"})


# --- the forms ------------------------------------------------------------------------------------
@translated
def EventForm(session, source: str):
    """The facilitator's injects or the trainees' orders: a kind, its fields
    (blank: the default shown), a note; position and unit by a click on the map."""
    kinds = INJECTS if source == "facilitator" else ACTIONS
    kind = form_kind.value if form_kind.value in kinds else next(iter(kinds))
    fields = form_fields(kind)
    names = [n for n, _shown in fields]
    units = [u for u in session.snap.units if u["state"] != "off duty"]
    finished = session.snap.finished or session.finishing or session.outputs is not None

    def set_text(name, value):
        texts.set({**texts.value, (kind, name): value})

    def fire():
        values = {name: texts.value.get((kind, name), shown) for name, shown in fields}
        try:
            params = parse(kind, values)
            decision = session.fire(kind, source, note=notes.value.get(kind, ""), **params)
            message.set(_("{clock} {kind}: {effect}").format(clock=clock_text(decision.t_min), kind=term(kind),
                                                             effect=decision.effect))
        except FormError as exc:
            message.set(_("{kind} not fired: {error}").format(kind=term(kind), error=exc))
        except ConfigError as exc:  # the model's checks: the field by its label, then what is allowed
            message.set(_("{kind} not fired: {field}: {problem}").format(
                kind=term(kind), field=param_label(exc.key.rsplit(".", 1)[-1]), problem=exc.allowed))
        except ValueError as exc:
            message.set(_("{kind} not fired: {error}").format(kind=term(kind), error=exc))

    def choose_kind(k):
        form_kind.set(k)
        message.set("")  # the last kind's error is not this one's

    title = _("Injects") if source == "facilitator" else _("Orders")
    with solara.Card(title):
        with solara.Div(attributes=testid(f"{source}-kind")):
            kind_by_label = {term(k): k for k in kinds}  # built while rendering, in the seat's language
            solara.ToggleButtonsSingle(value=term(kind), values=list(kind_by_label), style=WRAP,
                                       on_value=lambda v: choose_kind(kind_by_label[v]))
        if "unit" in names and "x_m" in names:
            with solara.Div(attributes=testid(f"{source}-pick")):
                solara.Text(_("A click on the map sets:"))
                picks = {"unit": _("the unit"), "place": _("the place")}
                solara.ToggleButtonsSingle(value=picks.get(pick.value, picks["place"]), values=list(picks.values()),
                                           on_value=lambda v: pick.set(next(k for k, t in picks.items() if t == v)),
                                           dense=True)
        for name, shown in fields:
            value = texts.value.get((kind, name), shown)
            words = choices(kind, name)
            with solara.Div(attributes=testid(f"{source}-{name}")):
                if name == "unit":
                    names_by_unit = {str(u["unit"]): unit_name(u) for u in units}
                    solara.Select(label=param_label(name), value=names_by_unit.get(value),
                                  values=list(names_by_unit.values()),
                                  on_value=lambda v: set_text("unit", {t: k for k, t in names_by_unit.items()}[v]))
                    solara.InputText(label=_("unit number"), value=value, continuous_update=True,
                                     on_value=lambda v: set_text("unit", v))
                elif words:
                    labels = {w: choice_label(name, w) for w in words}
                    solara.Select(label=param_label(name), value=labels.get(value), values=list(labels.values()),
                                  on_value=lambda v, name=name, labels=labels: set_text(
                                      name, {t: k for k, t in labels.items()}[v]))
                else:
                    solara.InputText(label=param_label(name), value=value, continuous_update=True,
                                     on_value=lambda v, name=name: set_text(name, v))
        solara.InputText(label=_("note"), value=notes.value.get(kind, ""), continuous_update=True,
                         on_value=lambda v: notes.set({**notes.value, kind: v}))
        solara.Button(_("Fire inject") if source == "facilitator" else _("Give order"), color="primary",
                      on_click=in_seat_lang(fire), disabled=finished)
        if message.value:
            solara.Div(children=[message.value], attributes=testid("message"), style={"color": "#8b0000"})
