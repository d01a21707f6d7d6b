"""Rasa SDK actions: thin translators between the tracker and ``bot/``."""
