"""The WSGI entry point: flask --app wsgi ..., gunicorn wsgi:app."""

import gc

from onestop import create_app

app = create_app()
# What the app loaded at start lives as long as the process: frozen, full garbage collections
# skip it. They stop the whole worker, and walking it all took 160 to 380 ms each under the
# province's load, 25 to 50 ms frozen (bench/province_load.py, its garbage collection line).
gc.freeze()
