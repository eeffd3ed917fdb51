"""The tabletop's pages (issue 22), served by ``python -m sim.tabletop``
(never import this module from model code: it starts Solara).

Routes: ``/`` starts a session (the command line's script or one from the
gallery) or joins one by its code; ``/facilitator?session=CODE``,
``/trainee?session=CODE`` and ``/projector?session=CODE`` are the seats of
one session (``&lang=zh`` / ``&lang=en`` picks the seat's starting language;
each page has a switch). Every seat of a session shows the same model
(``sessions``), re-rendering within a second of a change anywhere.
``/tabletop-report/CODE`` serves a finished session's after_action.html.
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import parse_qs

import solara

from sim.core.units import MIN_PER_HOUR
from sim.exercise.actions import ACTIONS
from sim.exercise.injects import INJECTS
from sim.i18n import LANGUAGES, N_, Translator
from sim.i18n.terms import term
from sim.tabletop import origin_guard, sessions
from sim.tabletop.figures import clock_text
from sim.tabletop.forms import parse_hour
from sim.tabletop.panels import (REPORT_PATH, Briefing, Clock, EndBanner, EventForm, Header, LogPanel,
                                 MapCard, QueuePanel, StaffPanel, form_kind, message, testid)
from sim.tabletop.panels import as_text  # noqa: F401 - the tests' handle on the page's escaping
from sim.tabletop.room import OUT_ENV, OVERRIDES_ENV, TICK_CHOICES_MIN, default_out_dir
from sim.tabletop.widgets import current_seat_lang, in_seat_lang, seat_lang, translated, \
    use_session_version

_ = Translator("tabletop")
origin_guard.install()  # only this server's pages may open its websocket (sim/tabletop/origin_guard.py)

SEATS = ("facilitator", "trainee", "projector")
UPCOMING_SHOWN = 12  # scripted injects listed on the facilitator's timeline; assumption

jump_text = solara.reactive("")  # per tab
join_text = solara.reactive("")
show_charts = solara.reactive(False)
export_text = solara.reactive("")
jump_message = solara.reactive("")  # shown beside the jump and export buttons, not under the inject form



def overrides() -> tuple[str, ...]:
    return tuple(json.loads(os.environ.get(OVERRIDES_ENV, "[]")))


def base_out() -> Path:
    return Path(os.environ.get(OUT_ENV) or default_out_dir())


def seat_url(seat: str, code: str, lang: str | None = None) -> str:
    return f"/{seat}?session={code}" + (f"&lang={lang}" if lang else "")


def use_seat_session():
    """The session named in the URL (and the seat's starting language from ``lang=``)."""
    router = solara.use_router()
    query = parse_qs(router.search or "")
    lang = (query.get("lang") or [""])[0]
    if lang in LANGUAGES and not seat_lang.value:
        seat_lang.set(lang)
    session = sessions.get((query.get("session") or [""])[0])
    return session, use_session_version(session)


@translated
def NoSession():
    solara.Error(_("No session with this code on this server: start one or join one from the home page."))
    solara.HTML(tag="a", unsafe_innerHTML=html.escape(_("Home page")), attributes={"href": "/"})


# --- the facilitator ---------------------------------------------------------------------------------
@translated
def Controls(session):
    snap = session.snap
    over = snap.finished or session.finishing or session.outputs is not None

    def jump():
        hour = parse_hour(jump_text.value)
        if hour is None:
            jump_message.set(_("jump: {text} is not a time (e.g. 21:30 or 21.5)").format(text=jump_text.value))
            return
        if not session.jump_to(hour * MIN_PER_HOUR):
            jump_message.set(_("cannot jump back: the clock is at {clock} and the past has happened; give a later "
                               "time").format(clock=clock_text(session.snap.t_min)))
            return
        jump_message.set(_("jumped to {clock}").format(clock=clock_text(session.snap.t_min)))

    def export():
        try:
            path, text = session.export()
        except Exception as exc:
            jump_message.set(_("export failed: {error}").format(error=exc))
            return
        export_text.set(text)
        jump_message.set(_("session saved as a script: {path}").format(path=path))

    with solara.Card(_("Exercise")):
        Clock(session, version=session.version)
        k = snap.kpis
        solara.Div(children=[_("{queued} calls waiting, {working} being worked, {on_duty} staff on duty").format(
            queued=k["queued"], working=k["open"] - k["queued"], on_duty=k["on_duty"])], attributes=testid("status"))
        solara.Text(_("Minutes per step:"))
        with solara.Div(attributes=testid("tick")):
            ticks = {_("{n} min").format(n=t): t for t in TICK_CHOICES_MIN}
            solara.ToggleButtonsSingle(value=_("{n} min").format(n=f"{snap.tick_min:g}"), values=list(ticks),
                                       style={"flex-wrap": "wrap", "height": "auto"},
                                       on_value=lambda v: session.set_tick(ticks[v]))
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(_("Step"), on_click=in_seat_lang(session.step), disabled=over or session.playing,
                          attributes=testid("step"))
            if session.playing:
                solara.Button(_("Pause"), on_click=lambda: session.play(False), attributes=testid("pause"))
            else:
                solara.Button(_("Play"), on_click=lambda: session.play(True), disabled=over, attributes=testid("play"))
        with solara.Div(attributes=testid("pause-on-inject")):
            solara.Checkbox(label=_("Pause Play when a scripted inject fires"), value=session.pause_on_inject,
                            on_value=session.set_pause_on_inject)
        with solara.Row(style={"align-items": "center"}):
            with solara.Div(attributes=testid("jump"), style={"width": "220px"}):
                solara.InputText(_("jump to (e.g. 21:30)"), value=jump_text, continuous_update=True)
            solara.Button(_("Jump"), on_click=in_seat_lang(jump), disabled=over, attributes=testid("jump-button"))
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(_("Finish and write the report"), color="warning", on_click=session.finish,
                          disabled=session.finishing or session.outputs is not None, attributes=testid("finish"))
            solara.Button(_("Save today's session as a script"), on_click=in_seat_lang(export),
                          attributes=testid("export"))
        if jump_message.value:
            solara.Div(children=[jump_message.value], attributes=testid("jump-message"), style={"color": "#8b0000"})
        if export_text.value:
            label = _("Download {name}").format(name=sessions.SCRIPT_FILE)
            solara.FileDownload(export_text.value, filename=sessions.SCRIPT_FILE, children=[
                solara.Button(label, icon_name="mdi-cloud-download-outline", attributes=testid("download"),
                              style={"text-transform": "none"})])  # Vuetify would upper-case the file's name
        with solara.Details(_("Seats of this session")):
            with solara.Div(attributes=testid("seat-links")):
                for seat in SEATS:
                    url = seat_url(seat, session.code)
                    solara.HTML(tag="div", unsafe_innerHTML=f'<a href="{html.escape(url)}" target="_blank">'
                                                            f'{html.escape(url)}</a>')


@translated
def Timeline(session):
    """The scripted injects still to come: the facilitator's eyes only."""
    pending = [p for p in session.snap.pending][:UPCOMING_SHOWN]
    with solara.Card(_("Scripted timeline: {n} to come").format(n=len(session.snap.pending))):
        with solara.Div(attributes=testid("timeline")):
            if not pending:
                solara.Text(_("Nothing more is scripted."))
            for t_min, kind in pending:
                solara.Div(children=[f"{clock_text(t_min)}  {term(kind)}"], attributes=testid("timeline-line"))


@translated
def Charts(session):
    solara.Checkbox(label=_("Show the live charts"), value=show_charts)
    if show_charts.value:
        url, _frame = session.image("charts", current_seat_lang())
        solara.HTML(tag="img", attributes={"src": url, "style": "max-width: 100%"})


@translated
def FacilitatorPage():
    session, v = use_seat_session()
    Header(session, "facilitator", version=v)
    if session is None:
        return NoSession()
    EndBanner(session, version=v)
    if form_kind.value not in INJECTS:
        form_kind.set("major_incident")
    with solara.Columns([7, 5]):
        with solara.Column():
            MapCard(session, "facilitator", kinds=INJECTS, version=v)
            QueuePanel(session, version=v)
            Charts(session, version=v)
        with solara.Column():
            Controls(session, version=v)
            EventForm(session, "facilitator", version=v)
            Timeline(session, version=v)
            LogPanel(session, N_("Decision log: {n}"), height="260px", version=v)
            Briefing(session, version=v)


# --- the trainees --------------------------------------------------------------------------------------
@translated
def TraineePage():
    session, v = use_seat_session()
    Header(session, "trainee", version=v)
    if session is None:
        return NoSession()
    EndBanner(session, version=v)
    if form_kind.value not in ACTIONS:
        form_kind.set("move_unit")
    with solara.Columns([7, 5]):
        with solara.Column():
            MapCard(session, "trainee", kinds=ACTIONS, version=v)
            QueuePanel(session, version=v)
        with solara.Column():
            Clock(session, version=v)
            EventForm(session, "trainee", version=v)
            StaffPanel(session, version=v)
            LogPanel(session, N_("Orders given: {n}"), sources=("trainee",), version=v)
            Briefing(session, version=v)


# --- the projector --------------------------------------------------------------------------------------
@translated
def Kpis(session):
    k = session.snap.kpis
    tiles = [(_("calls since the start"), k["calls"]), (_("calls waiting"), k["queued"]),
             (_("calls open"), k["open"]), (_("staff on duty"), k["on_duty"]),
             (_("mean response (min)"), "-" if k["response_mean_min"] is None else f"{k['response_mean_min']:.0f}"),
             (_("crimes since the start"), k["crimes"])]
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for label, value in tiles:
            with solara.Card(style={"min-width": "150px"}):
                solara.Div(children=[str(value)], style={"font-size": "36px", "font-weight": "bold"})
                solara.Div(children=[label])


@translated
def ProjectorPage():
    session, v = use_seat_session()
    Header(session, "projector", version=v)
    if session is None:
        return NoSession()
    EndBanner(session, version=v)
    with solara.Columns([8, 4]):
        with solara.Column():
            MapCard(session, "projector", big=True, version=v)
        with solara.Column():
            Clock(session, big=True, version=v)
            with solara.Div(attributes=testid("kpis")):
                Kpis(session, version=v)
            LogPanel(session, N_("Recent events"), limit=8, height="400px", version=v)


# --- home: start or join ------------------------------------------------------------------------------------
@translated
def ScriptCard(title: str, briefing: str, detail: str, on_start, testname: str):
    with solara.Card(title, style={"min-width": "300px", "max-width": "460px"}):
        with solara.Div(attributes=testid(testname)):
            if detail:
                solara.Text(detail)
            if briefing:
                with solara.Details(_("Briefing")):
                    solara.Div(children=[briefing], style={"white-space": "pre-wrap"})
            solara.Button(_("Start a session"), color="primary", on_click=on_start, attributes=testid("start"))


@translated
def Home():
    router = solara.use_router()
    query = parse_qs(router.search or "")
    lang_q = (query.get("lang") or [""])[0]
    if lang_q in LANGUAGES and not seat_lang.value:
        seat_lang.set(lang_q)
    lang = current_seat_lang()
    busy, set_busy = solara.use_state("")

    def start(extra: tuple[str, ...]):
        def run():
            set_busy(_("Starting a session..."))
            session = sessions.create(extra, base_out(), lang)  # the session's records in the starter's language
            router.push(seat_url("facilitator", session.code, lang))
        return in_seat_lang(run)

    def join(seat):
        def go():
            code = sessions.normalise(join_text.value)
            if sessions.get(code) is None:
                message.set(_("No session with the code {code}").format(code=join_text.value))
                return
            router.push(seat_url(seat, code, lang))
        return in_seat_lang(go)

    Header(None, "home")
    if busy:
        solara.Info(busy)
    with solara.Card(_("Join a session")):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            with solara.Div(attributes=testid("join-code"), style={"width": "200px"}):
                solara.InputText(_("session code"), value=join_text, continuous_update=True)
            for seat, label in (("facilitator", _("as facilitator")), ("trainee", _("as trainees")),
                                ("projector", _("on the projector"))):
                solara.Button(label, on_click=join(seat), attributes=testid(f"join-{seat}"))
        if message.value:
            solara.Div(children=[message.value], attributes=testid("message"), style={"color": "#8b0000"})
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(_("Start a session")))
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        given = overrides()
        if any(a.startswith(sessions.EXERCISE_KEYS) for a in given) or not sessions.gallery_scripts():
            ScriptCard(_("The script given on the command line"), "", " ".join(given) or _("free play"),
                       start(given), "script-command-line")
        else:
            ScriptCard(_("Free play: no script, the facilitator fires everything"), "", "", start(given),
                       "script-free-play")
        for script in sessions.gallery_scripts():
            days = _("{hours} hours, from {start}").format(hours=f"{script.hours:g}", start=script.start)
            ScriptCard(script.title.get(lang) or script.title.get("en") or script.name,
                       script.briefing.get(lang) or script.briefing.get("en") or "", f"{script.name}: {days}",
                       start(sessions.script_overrides(script, overrides())), f"script-{script.name}")


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's signature; replaces its navigation tabs ("PAGE 0")
    with solara.Column(style={"padding": "12px"}):
        solara.Column(children=children)


routes = [
    solara.Route(path="/", component=Home, layout=Layout),  # the root's layout wraps every seat
    solara.Route(path="facilitator", component=FacilitatorPage),
    solara.Route(path="trainee", component=TraineePage),
    solara.Route(path="projector", component=ProjectorPage),
]


def _serve_reports() -> None:
    """``/tabletop-report/CODE``: a finished session's after_action.html (self-contained). Only
    files a session wrote are served; the URL names a session, never a path."""
    from solara.server import starlette as server
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    async def report(request):
        session = sessions.get(request.path_params["code"])
        path = session.outputs.get("report") if session is not None and session.outputs else None
        if path is None or not Path(path).is_file():
            return PlainTextResponse("no report for this session (yet)", status_code=404)
        return FileResponse(path, media_type="text/html")

    path = REPORT_PATH.replace("{code}", "{code:str}")
    if not any(getattr(r, "path", None) == path for r in server.app.router.routes):
        server.app.router.routes.insert(0, Route(path, report))


_serve_reports()
