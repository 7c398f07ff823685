"""Organisations, agents, reviewers and their credentials."""
