"""The tabletop for a training room (issues 8 and 22): ``python -m sim.tabletop
[overrides]`` serves sessions on 127.0.0.1; each session has a short code and
three kinds of seat (``/facilitator``, ``/trainee``, ``/projector``, each
``?session=CODE``) showing one shared model, in Chinese or English per seat.

- ``room``: ``TabletopModel``, the model plus its exercise session, built
  from the same overrides as ``python -m sim``;
- ``sessions``: the process-wide registry of sessions (code -> model, version,
  snapshot, drawn maps, the one Play thread), Finish and export;
- ``figures``: the map and the live charts (matplotlib, no browser needed) and
  the click geometry (image fractions <-> metres);
- ``forms``: turning the page's text fields into an event's parameters;
- ``widgets``: the clickable map image, the seat's language, the polling hook;
- ``panels``: the panels and forms the seats are built from;
- ``app``: the routes and pages (Solara components), the report's route;
- ``__main__``: checks the overrides (one line, exit 2) and starts the server.
"""
