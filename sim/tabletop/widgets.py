"""The page's building blocks that are not about policing: the map image that
reports where it was clicked, the seat's language, and the hook that re-renders
a page when its session changed.

The click: the browser knows where on the shown image the pointer was
(``offsetX`` / ``clientWidth``) and sends those fractions, whatever the image's
shown size; ``figures.click_to_m`` turns them into metres with the axes'
place in the PNG, known from drawing it (``figures.map_frame``).
"""
from __future__ import annotations

import functools
import os

import ipyvue
import solara
import traitlets

from sim.i18n import DEFAULT_LANGUAGE, LANGUAGES, language
from sim.tabletop.room import LANG_ENV
from sim.tabletop.sessions import POLL_S
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}  # each in its own language: not translated

seat_lang = solara.reactive("")  # per browser tab (Solara scopes module reactives to the tab's kernel)


def default_lang() -> str:
    lang = os.environ.get(LANG_ENV, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def current_seat_lang() -> str:
    return seat_lang.value or default_lang()


def translated(fn):
    """A Solara component whose body (its strings, figures) is in the seat's language.
    (Children render after the parent returns, so each component sets it for itself.)
    A ``version=`` keyword is taken and dropped: passing the session's version makes
    the component re-render when the session changed (same props: no re-render)."""
    @functools.wraps(fn)
    def body(*args, version: int = 0, **kwargs):
        with language(current_seat_lang()):
            return fn(*args, **kwargs)
    return solara.component(body)


def in_seat_lang(handler):
    """An event handler that runs in the seat's language (its messages are shown on that seat)."""
    lang = current_seat_lang()

    @functools.wraps(handler)
    def run(*args, **kwargs):
        with language(lang):
            return handler(*args, **kwargs)
    return run


@solara.component
def LanguageSwitch():
    def choose(name):
        seat_lang.set(next(k for k, v in LANGUAGE_NAMES.items() if v == name))

    with solara.Div(attributes={"data-testid": "lang"}):
        solara.ToggleButtonsSingle(value=LANGUAGE_NAMES[current_seat_lang()], values=list(LANGUAGE_NAMES.values()),
                                   on_value=choose, dense=True)


def use_session_version(session) -> int:
    """The session's version, watched by a thread of this page that the session wakes when
    another seat (or Play) changes it; the page then re-renders."""
    version, set_version = solara.use_state(session.version if session is not None else -1)

    def poll(cancel):
        seen = version
        while session is not None and not cancel.is_set():
            now = session.wait_for_version(seen, POLL_S)
            if now != seen:
                seen = now
                try:
                    set_version(now)
                except Exception:  # the page was closed
                    return

    solara.use_thread(poll, dependencies=[session.code if session is not None else None], intrusive_cancel=False)
    return version


class ClickImage(ipyvue.VueTemplate):
    """An <img> that sends where it was clicked, as fractions of its shown size from its top-left."""

    template = traitlets.Unicode("""
<template>
  <img :src="src" :data-testid="testid" :data-frame="frame" :alt="alt" draggable="false"
       :style="'display: block; width: 100%; max-width: ' + max_width + '; cursor: ' + (clickable ? 'crosshair' : 'default')"
       @click="clickable && (clicked = {fx: $event.offsetX / $event.target.clientWidth,
                                       fy: $event.offsetY / $event.target.clientHeight, n: Date.now()})" />
</template>
""").tag(sync=True)
    src = traitlets.Unicode("").tag(sync=True)
    testid = traitlets.Unicode("map-image").tag(sync=True)
    frame = traitlets.Unicode("").tag(sync=True)  # the map frame, for the browser test
    alt = traitlets.Unicode("").tag(sync=True)
    max_width = traitlets.Unicode("100%").tag(sync=True)
    clickable = traitlets.Bool(True).tag(sync=True)
    clicked = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
