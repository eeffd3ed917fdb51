"""Core: the vocabulary and machinery every layer may use, and nothing of the
features (clock units, roles, land uses, random streams, the district and its
travel times, the fleet's arrays, rosters, records and their Parquet logs,
registries, checks, safe file writing). Imports nothing else of ``sim``."""
