#!/bin/bash
# Run once by the influxdb:2.x image after its automatic set-up (DOCKER_INFLUXDB_INIT_*), with the
# `influx` CLI already pointed at the new instance as the admin. Makes the bucket reachable through
# the v1 API the platform speaks (/write, /query with InfluxQL):
#  - a DBRP mapping: database INFLUX_DB, retention policy INFLUX_RETENTION_POLICY (default) -> bucket;
#  - a v1 user (INFLUX_USER / INFLUX_PASSWORD) allowed to read and write that bucket, which the
#    collector, the scaler and Grafana use as plain v1 credentials (no token to hand around).
set -euo pipefail

db="${INFLUX_DB:-scalewright}"
rp="${INFLUX_RETENTION_POLICY:-raw}"
user="${INFLUX_USER:-scalewright}"
if [ -z "${INFLUX_PASSWORD:-}" ]; then
  echo "scalewright init: INFLUX_PASSWORD is empty: set it in compose/.env (the v1 password of ${user})" >&2
  exit 1
fi
bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:?the image did not export the bucket id}"

influx v1 dbrp create --db "${db}" --rp "${rp}" --bucket-id "${bucket_id}" --default
influx v1 auth create --username "${user}" --password "${INFLUX_PASSWORD}" \
  --read-bucket "${bucket_id}" --write-bucket "${bucket_id}" \
  --description "scalewright collector, scaler and Grafana (v1 API)"
echo "scalewright init: database ${db}, retention policy ${rp} -> bucket ${DOCKER_INFLUXDB_INIT_BUCKET}; v1 user ${user}"
