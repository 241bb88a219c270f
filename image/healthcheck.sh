#!/bin/busybox sh
# The image's HEALTHCHECK: 200 from /healthz on the app's port or the worker's metrics port.
# A static busybox `nc` costs a few ms of CPU per check; a Node probe cost about 0.3 CPU-s, which
# in a 0.1-CPU container took seconds, timed out, and was most of an idle container's CPU.
# (busybox `wget` is not used: the Debian static build crashes resolving even 127.0.0.1.)
probe() {
  printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' | /bin/busybox nc -w 2 127.0.0.1 "$1" 2>/dev/null | /bin/busybox head -1 | /bin/busybox grep -q '^HTTP/1\.[01] 200'
}
probe "${PORT:-8080}" || probe "${WORKER_METRICS_PORT:-9465}"
