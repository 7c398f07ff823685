"""Whitelist rules learnt from reviewers' decisions, proposed with evidence."""
