"""The SDK's version; pyproject.toml holds the same string and a test keeps them equal."""

__version__ = "0.1.0"
