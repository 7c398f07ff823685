"""Telling waiting agents and reviewers about decisions as they happen."""
