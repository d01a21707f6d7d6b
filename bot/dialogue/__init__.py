"""Dialogue logic behind the Rasa actions: plain functions, no Rasa imports."""
