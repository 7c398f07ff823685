"""The ``expacti-server`` command line."""
