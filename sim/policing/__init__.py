"""Policing features: calls (background stream, intake, records read from a
district's CSV), dispatch and its rules, staffing and rosters, patrol legs,
crime, incidents and the workforce over time. Each has its schema beside it
(``*_config.py``). Imports only ``sim.core``."""
