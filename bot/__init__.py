"""Domain core of the consultative debt-collection assistant (no Rasa imports here)."""
