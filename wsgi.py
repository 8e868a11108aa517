"""WSGI entry point: `gunicorn wsgi:app`."""

from marketplace.app import create_app

app = create_app()
