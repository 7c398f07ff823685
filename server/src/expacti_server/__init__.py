"""expacti server: a human-in-the-loop approval gate for commands agents want to run."""

__version__ = "0.1.0"
