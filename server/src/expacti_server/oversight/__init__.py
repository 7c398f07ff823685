"""Oversight availability: can a human who may decide for this agent answer now?"""
