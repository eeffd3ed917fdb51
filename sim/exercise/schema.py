"""The exercise config: a timeline of injects (what the facilitator throws at
the room) and actions (what the trainees decide), with a briefing.

Every event is one ``ExerciseEvent`` (``sim.exercise.event``): a time, a kind,
and the parameters that kind takes; each kind is a registered class
(``sim.exercise.injects``, ``sim.exercise.actions``) that says which
parameters it takes, their defaults and ranges. A parameter a kind does not
take is an error, so a misspelt script fails before the run starts. Times are
hours on the run's clock: 0 is midnight at the start of day 1, 19.5 is 19:30
on day 1, 30 is 06:00 on day 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from sim.core.checks import ConfigError, _choice, _range
from sim.core.roles import ROLES
from sim.exercise.actions import ACTIONS
from sim.exercise.event import ExerciseEvent
from sim.exercise.event_checks import check_event, check_event_in, check_event_time
from sim.exercise.injects import INJECTS
from sim.exercise.replay import load_replay
from sim.i18n import Translator

_ = Translator("exercise")


@dataclass
class ExerciseConfig:
    """A tabletop exercise (``+exercise=NAME``; issue 8). The exercise starts
    when the warm-up ends (``sim.warmup_days``): the room sees the district at
    that moment, and the summaries cover the exercise only."""

    name: Optional[str] = None  # set by +exercise=NAME (or exercise.file's stem); null = none; user choice
    file: Optional[str] = None  # the script of exercise.file=PATH (absolute; sim.exercise.script_file); user choice
    title: str = ""  # the exercise's title on the page and the report; user choice (the script)
    title_zh: str = ""  # the title in Chinese (lang=zh); empty: the English one is shown; user choice
    briefing: str = ""  # read to the room at the start; user choice (the script)
    briefing_zh: str = ""  # the briefing in Chinese (lang=zh); empty: the English one is shown; user choice
    # per office, people of each role off the roster who can be called in (call_in); counts an assumption,
    # the practice is seed 003 §5.1 (staff drawn from the station and agencies for holidays and major events)
    reserves: Dict[str, int] = field(default_factory=lambda: {role: 0 for role in ROLES})
    injects: List[ExerciseEvent] = field(default_factory=list)
    # trainee decisions the headless run plays (a worked answer); the browser app leaves them to the room
    actions: List[ExerciseEvent] = field(default_factory=list)
    counterfactual: bool = True  # also run the same seed without the actions, for the after-action report; user choice
    replay: Optional[str] = None  # a session's decisions.parquet: its injects and actions replace the script's; user choice

    def shown_title(self, lang: str) -> str:
        """The title in ``lang`` (the English one when the script has none in it)."""
        return (self.title_zh if lang == "zh" else "") or self.title

    def shown_briefing(self, lang: str) -> str:
        """The briefing in ``lang`` (the English one when the script has none in it)."""
        return (self.briefing_zh if lang == "zh" else "") or self.briefing

    def validate(self, path: str) -> None:
        for role, n in self.reserves.items():
            _choice(f"{path}.reserves", role, ROLES)
            _range(f"{path}.reserves.{role}", n, 0, 500)
        for k, e in enumerate(self.injects):
            check_event(e, f"{path}.injects[{k}]", INJECTS)
        for k, e in enumerate(self.actions):
            check_event(e, f"{path}.actions[{k}]", ACTIONS)
        if self.replay is not None and (self.injects or self.actions) and self.name is None:
            raise ConfigError(f"{path}.replay", self.replay, _("replaces the injects and actions: give one or "
                                                               "the other"))

    def check_against(self, cfg, path: str = "exercise") -> None:
        """Cross-field checks against the rest of the config (times, places, types,
        policies) and the replay file: run by composition (sim.compose.prepare),
        since config loading itself reads no files."""
        if self.replay is not None and not Path(self.replay).is_file():
            raise ConfigError(f"{path}.replay", self.replay, _("must be an existing decisions.parquet"))
        units = cfg.unit_count()
        for group in ("injects", "actions"):
            for k, e in enumerate(getattr(self, group)):
                check_event_time(cfg, e.at_h, f"{path}.{group}[{k}].at_h")
                check_event_in(cfg, e, f"{path}.{group}[{k}]", units)
        if self.replay is not None:
            load_replay(self.replay, cfg, f"{path}.replay")
