"""gunicorn settings for Följa's app servers (deploy/systemd/folja-web.service passes this file).

Workers: about two per core. The Prometheus counters of every worker are kept as files in
PROMETHEUS_MULTIPROC_DIR (the unit empties it at start); a worker that exits is marked dead so its
live gauges drop out (docs/decisions/0004-metrics.md).
"""

import multiprocessing
import os

# Two addresses (docs/operations.md, "Overload"): FOLJA_BIND_PRIORITY takes what must not wait
# behind reads (signing in, writes, probes: nginx's pool folja_app), FOLJA_BIND the reads (pool
# folja_reads, which nginx bounds with max_conns). A free worker takes a waiting connection from the
# first address before the second, so under overload a sign-in or a write waits for the next free
# worker, never behind the queue of reads. FOLJA_BIND_PRIORITY="" binds FOLJA_BIND alone.
bind = [
    address
    for address in (
        os.environ.get("FOLJA_BIND_PRIORITY", "127.0.0.1:8001"),
        os.environ.get("FOLJA_BIND", "127.0.0.1:8000"),
    )
    if address
]
workers = int(os.environ.get("FOLJA_WEB_WORKERS", 2 * multiprocessing.cpu_count()))
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
