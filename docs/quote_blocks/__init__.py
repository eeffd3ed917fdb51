"""The blocks of ./dev docs (docs/make_quotes.py): one module per part of the README."""
