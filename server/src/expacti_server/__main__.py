"""``python -m expacti_server``."""

from expacti_server.cli.main import app

app()
