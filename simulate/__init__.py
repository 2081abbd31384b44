"""Believable history for demos and benchmarks (``flask simulate``), kept apart so that
reports/ stays read-only.

``history.simulate`` runs the days; ``offices`` sets up each office's simulated staff and
load, ``tickets`` draws the queue of a day, ``dossiers`` the dossiers, ratings and
complaints, ``writer`` and ``bulk`` write the rows fast; ``cli`` and ``demo`` are the
command and the demo seeder that create_app picks up like any feature's.
"""
