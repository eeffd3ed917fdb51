"""One root seed, one independent random stream per named subsystem.

Streams are derived by *name* (``SeedSequence(seed, spawn_key=(crc32(name),))``)
rather than by spawn order, so adding a subsystem never shifts an existing
stream: a policy that draws random numbers leaves the call stream untouched
(common random numbers across scenarios).
"""
from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = (
    "district",  # land use and population layout
    "arrivals",  # background call times, types and places
    "service",  # on-scene times of background calls
    "crime",  # offender homes; each offender also has its own child stream
    "staffing",  # shift offsets and non-community duty blocks
    "policy",  # deployment choices (patrol destinations)
    "residents",  # which resident of a cell is involved
    "mesa",  # Mesa's own model.rng
    "escalation",  # whether a dispute turns into an assault (one uniform per background call)
    "community",  # residents' age, trust, awareness, participation; courtesy of contacts; visit finds
    "disputes",  # each dispute's own child stream: start, party, mediation luck
    "workforce",  # each post's own child stream: tenure, departures, vacancies, absences
    "window",  # each office's window: requests, channels, service times
    "injects",  # each tabletop inject's own child stream: extra calls, who falls sick (sim.exercise)
    "actions",  # trainee-ordered patrols (sim.exercise): never shifts another stream
    "station",  # the parent station's own calls outside the district (sim.policing.tiers)
)


class RngStreams:
    """Named numpy Generators spawned from one root seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown RNG stream {name!r}; known: {', '.join(STREAM_NAMES)}")
        if name not in self._streams:
            seq = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()),))
            self._streams[name] = np.random.default_rng(seq)
        return self._streams[name]

    def child(self, name: str, index: int) -> np.random.Generator:
        """An independent stream for member ``index`` of a subsystem (e.g. one
        offender), so members never share draws whatever the others do."""
        if name not in STREAM_NAMES:
            raise KeyError(f"unknown RNG stream {name!r}; known: {', '.join(STREAM_NAMES)}")
        seq = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()), int(index)))
        return np.random.default_rng(seq)


def choice_cdf(p: np.ndarray) -> np.ndarray:
    """The cumulative table ``Generator.choice(n, p=p)`` builds on every call,
    built once: pass it to ``draw_index`` for the hot paths (one crime attempt,
    one passer-by)."""
    cdf = np.cumsum(np.asarray(p, dtype=float))
    cdf /= cdf[-1]
    return cdf


def draw_index(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """Exactly ``rng.choice(len(p), p=p)`` (same index, same single uniform
    drawn: numpy's own algorithm) without re-validating p on every call, which
    costs 20-140 us a draw (tests/test_rng.py holds the two equal)."""
    return int(cdf.searchsorted(rng.random(), side="right"))


class ParkedRng:
    """A child stream kept as its PCG64 state (about 150 bytes) between draws
    instead of a live Generator and SeedSequence (about 800): for members made
    by the thousand up front that draw rarely (each dispute of a run). Every
    draw method of ``numpy.random.Generator`` works, and the sequence of
    numbers is exactly the live generator's."""

    __slots__ = ("_state",)

    def __init__(self, generator: np.random.Generator):
        self._state = _pack(generator)

    def __getattr__(self, name: str):
        def draw(*args, **kwargs):
            bit = np.random.PCG64(0)
            s, inc, has, value = self._state
            bit.state = {"bit_generator": "PCG64", "state": {"state": s, "inc": inc},
                         "has_uint32": has, "uinteger": value}
            live = np.random.Generator(bit)
            out = getattr(live, name)(*args, **kwargs)
            self._state = _pack(live)
            return out
        return draw


def _pack(generator: np.random.Generator) -> tuple:
    st = generator.bit_generator.state
    if st["bit_generator"] != "PCG64":
        raise TypeError(f"ParkedRng holds PCG64 streams, not {st['bit_generator']}")
    return (st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"])
