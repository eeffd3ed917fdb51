"""The planner's progress on stderr: simulated replications run, the step the
search is in, and the time left for the work it knows of (issue 23).

The search does not know in advance how many candidates it will try, so the
total is what is known at each moment: the runs done, the batch under way
and the runs still to come after the search (the staffing curve, today's
roster; the budget search is its own). While the search (or the budget's)
runs, no time left is shown: the work still to come is not known, and the
first runs also pay for starting the workers, so no estimate would hold (the
reviewer's "at least 04:09 left" ended 26 s later). Once the rest is known
(the staffing curve, today's roster, the configured cars) the bar shows
"about N left", tqdm's estimate from the rate so far. Only on a terminal
(tqdm's ``disable=None``); elsewhere the log lines are all there is.
"""
from __future__ import annotations

import sys

from sim.i18n import Translator

_ = Translator("reports")


class PlanProgress:
    """A tqdm bar over simulated replications. ``tail``: runs known to come after
    the search (counted into the total until ``phase`` starts them)."""

    def __init__(self, tail: int = 0, stream=None, enabled: bool | None = None):
        from tqdm import tqdm

        self.stream = stream or sys.stderr
        self.tail = tail
        self.formats = {known: "{desc}: {percentage:3.0f}%|{bar}| " + text.replace("{n}", "{n_fmt}")
                        for known, text in ((False, _("{n} runs done [{elapsed}]")),
                                            (True, _("{n} runs done [{elapsed}, about {remaining} left]")))}
        from sim.study.sweep import bar_size

        ncols, nrows = bar_size(self.stream) or (None, None)  # a 0x0 terminal: a fixed size, not no bar
        self.bar = tqdm(total=tail, desc=_("planning"), unit=_("run"), file=self.stream, ncols=ncols, nrows=nrows,
                        dynamic_ncols=ncols is None, leave=False, disable=None if enabled is None else not enabled,
                        bar_format=self.formats[False])

    def queued(self, n: int) -> None:
        """A batch of ``n`` runs is starting."""
        self.bar.total = self.bar.n + n + self.tail
        self.bar.refresh()

    def tick(self, n: int = 1) -> None:
        self.bar.update(n)

    def phase(self, name: str, starts_tail: int = 0, known: bool = False) -> None:
        """The step under way (shown before the bar); ``starts_tail`` runs of the tail begin now;
        ``known``: the runs still to come are all known, so the time left is shown ("about")."""
        self.tail = max(0, self.tail - starts_tail)
        self.bar.bar_format = self.formats[known]
        self.bar.set_description_str(name, refresh=True)

    def write(self, text: str) -> None:
        """A log line above the bar (or plainly, without a terminal)."""
        if self.bar.disable:
            print(text, file=self.stream)
        else:
            self.bar.write(text, file=self.stream)

    def close(self) -> None:
        self.bar.close()


class NoProgress:
    """The same calls, doing nothing (tests, callers without a terminal)."""

    def queued(self, n: int) -> None:
        pass

    def tick(self, n: int = 1) -> None:
        pass

    def phase(self, name: str, starts_tail: int = 0, known: bool = False) -> None:
        pass

    def close(self) -> None:
        pass
