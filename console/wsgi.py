import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
application = get_wsgi_application()

# No broker (make run): this web process runs the beat schedule itself.
from console import local_beat  # noqa: E402

local_beat.start_on_first_request()
