#!/bin/sh
# The entrypoint of the stack's InfluxDB and Grafana in front of their images' own: their init
# script (10-scalewright-v1.sh) and datasource (grafana/provisioning) take the v1 password from
# INFLUX_PASSWORD, which in a service's environment anyone who may run `docker service inspect`
# reads. The stack gives them INFLUX_PASSWORD_FILE, a Swarm secret's file, instead: this reads it
# into INFLUX_PASSWORD, in the container's processes only, and starts the image's entrypoint
# ("$@"). The same rules as the scalewright commands (common/secretFiles.ts): the trailing newline
# is dropped; both set, a missing, unreadable or empty file stop the container with one line
# naming the variable (never the value), as a restart loop the operator can read.
#   entrypoint: ["/bin/sh", "/usr/local/bin/scalewright-secret-env", "/entrypoint.sh"]
set -eu

for name in INFLUX_PASSWORD INFLUX_TOKEN; do
  eval "file=\${${name}_FILE:-}" "value=\${${name}:-}"
  [ -n "$file" ] || continue
  if [ -n "$value" ]; then
    echo "scalewright secret-env: ${name} and ${name}_FILE are both set: set one (the value, or the file that holds it)" >&2
    exit 2
  fi
  if [ -d "$file" ] || [ ! -r "$file" ]; then
    echo "scalewright secret-env: ${name}_FILE: cannot read ${file} (no such file, a folder, or not readable)" >&2
    exit 2
  fi
  # $(...) drops the trailing newlines; a file written on Windows leaves a carriage return too.
  value="$(cat "$file")"
  value="${value%"$(printf '\r')"}"
  if [ -z "$value" ]; then
    echo "scalewright secret-env: ${name}_FILE: ${file} is empty" >&2
    exit 2
  fi
  export "${name}=${value}"
  unset "${name}_FILE"
done

exec "$@"
