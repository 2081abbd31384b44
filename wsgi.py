"""The WSGI entry point: flask --app wsgi ..., gunicorn wsgi:app."""

import gc

from onestop import create_app

app = create_app()
# What the app loaded at start lives as long as the process. Frozen, it is skipped by every
# full garbage collection, which otherwise walked it all and paused a busy worker for
# 100 ms and more (bench/queue_load.py's tail latency).
gc.freeze()
