"""vizcore — the library behind Token Lab: models, traces, analyses and figures for token reduction."""

__version__ = "0.1.0"
