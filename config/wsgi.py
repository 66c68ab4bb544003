"""WSGI entry point for production servers (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Objects created at start-up live for the whole process: keep the collector off them.
gc.freeze()
