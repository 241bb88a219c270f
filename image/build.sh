#!/usr/bin/env bash
# Builds the project's image without a registry: compiles on the host, stages dist/ and the
# production node_modules, and builds the Dockerfile's `runtime-prebuilt` stage on a local base
# image (made from this machine's node by image/local-base.sh unless BASE_IMAGE is given).
#
# usage: image/build.sh [tag]          (default tag: scalewright:local)
# env:   BASE_IMAGE   base image to build on (default: scalewright/node-base:local, built if absent)
#        SKIP_COMPILE=1  reuse the existing dist/
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-scalewright:local}"
case "${tag}" in -h|--help) sed -n '2,/^[^#]/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;; esac

base="${BASE_IMAGE:-scalewright/node-base:local}"
if [ -z "${BASE_IMAGE:-}" ]; then image/local-base.sh "${base}"; fi

[ "${SKIP_COMPILE:-0}" = "1" ] && [ -d dist ] || npm run --silent build

stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
cp package.json package-lock.json Dockerfile image/healthcheck.sh "${stage}/"
cp -r dist "${stage}/dist"
rm -rf "${stage}/dist/test" "${stage}/dist/bench"
mkdir -p "${stage}/skeleton/var/lib/scalewright/data" "${stage}/skeleton/var/lib/scalewright/output" "${stage}/skeleton/var/lib/scalewright/uploads"
echo "image: installing production dependencies" >&2
(cd "${stage}" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "image: building ${tag} on ${base}" >&2
DOCKER_BUILDKIT=0 docker build -q --target runtime-prebuilt --build-arg "BASE_IMAGE=${base}" -t "${tag}" "${stage}" >/dev/null
echo "image: built ${tag}"
