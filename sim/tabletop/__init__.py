"""The tabletop app (issue 8): ``python -m sim.tabletop [overrides]`` serves a
Mesa SolaraViz page on 127.0.0.1 where a room steps through an exercise,
fires injects, gives orders and, at the end, writes the after-action report.

- ``room``: ``TabletopModel``, the model plus its exercise session, built
  from the same overrides as ``python -m sim``;
- ``figures``: the map and the live charts (matplotlib, no browser needed);
- ``forms``: turning the page's text fields into an event's parameters;
- ``app``: the Solara components and the page;
- ``__main__``: checks the overrides (one line, exit 2) and starts the server.
"""
