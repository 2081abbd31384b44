"""Dossiers: procedures, dossiers, working-day calendar, slips."""
