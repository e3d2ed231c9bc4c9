"""WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
from bff import create_app

app = create_app()
