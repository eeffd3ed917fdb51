"""Composition: from a command line to a checked, prepared ``Config``. Guards
what a command may ask of Hydra and what shared config files may contain,
composes with Hydra, builds the typed config (``structured``), then
``prepare``s it (registry names, the district's call records, the queueing
set-up). Also the sweep job lists and launcher settings."""
