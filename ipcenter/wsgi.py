import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipcenter.settings")
application = get_wsgi_application()

# Load jieba's dictionaries (~1.5 s, ~70 MB) now: with gunicorn --preload this happens once
# in the master and the workers share it, instead of on some user's first search.
from search.analysis import warm_up  # noqa: E402

warm_up()
