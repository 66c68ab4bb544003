"""gunicorn settings for Följa's app servers (deploy/systemd/folja-web.service and
folja-web-priority.service pass this file; the second sets its own address and workers).

Workers: folja-web serves the reads, one worker per core (FOLJA_WEB_WORKERS), so that reads never
take more CPU than there is; folja-web-priority serves sign-ins, writes and probes with its own
workers (docs/operations.md, "Overload"). The Prometheus counters of every worker are kept as files in
PROMETHEUS_MULTIPROC_DIR (the unit empties it at start); a worker that exits is marked dead so its
live gauges drop out (docs/decisions/0004-metrics.md).
"""

import multiprocessing
import os

bind = os.environ.get("FOLJA_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("FOLJA_WEB_WORKERS", multiprocessing.cpu_count()))
# nginx's proxy_read_timeout is 65 s: this answer comes first.
timeout = 60
graceful_timeout = 30
# nginx keeps connections to the app servers open (upstream keepalive).
keepalive = 75
# A worker's memory grows with fragmentation over days: recycle workers now and then, not all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# nginx in front: trust X-Forwarded-* only from nginx on this host.
forwarded_allow_ips = os.environ.get("FOLJA_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
