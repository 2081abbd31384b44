"""The WSGI entry point: flask --app wsgi ..., gunicorn wsgi:app."""

from onestop import create_app

app = create_app()
