"""WSGI entry point (gunicorn childsys.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childsys.settings")
application = get_wsgi_application()
