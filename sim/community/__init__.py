"""Community features: residents' trust and awareness, disputes and mediation,
elderly people living alone, the service window. Schemas in ``config.py``.
Imports ``sim.core`` and ``sim.policing`` (a window visit draws its service
time as a call does)."""
