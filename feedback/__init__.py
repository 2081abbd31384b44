"""Feedback: citizens' satisfaction ratings and their complaints (phản ánh, kiến nghị)."""
