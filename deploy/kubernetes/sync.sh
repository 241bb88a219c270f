#!/usr/bin/env bash
# Refreshes the copies kustomize needs inside deploy/kubernetes/base (it reads no file outside the
# kustomization's folder): Grafana's provisioning and dashboards, and InfluxDB's init script.
# test/deploy/kubernetes.test.ts fails when the copies drift from the originals.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=deploy/kubernetes/base
rm -rf "${base}/grafana" && mkdir -p "${base}/grafana"
cp -r grafana/provisioning grafana/dashboards "${base}/grafana/"
mkdir -p "${base}/influxdb" && cp compose/influxdb/init/10-scalewright-v1.sh "${base}/influxdb/"
echo "sync: ${base}/grafana and ${base}/influxdb refreshed"
