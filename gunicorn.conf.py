"""gunicorn's settings for the console (read from the working directory by
``gunicorn console.wsgi``; the Procfile's web process).

Workers: ``WEB_CONCURRENCY`` sync processes (default 3; in production 2 per core
+ 1: a request mostly waits on PostgreSQL). Each has its own page cache.

A graceful stop: on SIGTERM gunicorn stops accepting, lets every worker finish
the request it is serving for up to ``graceful_timeout`` seconds, then exits.
A balancer that has taken the node out (``/readyz``) sends it nothing new.
Keep the orchestrator's kill timeout above ``graceful_timeout``.
"""

import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# A request past this is stuck (the slowest page takes well under a second).
timeout = 30
# SIGTERM: in-flight requests get this long to finish.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
# Connections from the balancer stay open between requests.
keepalive = 5
accesslog = "-"
