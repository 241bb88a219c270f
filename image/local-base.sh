#!/usr/bin/env bash
# Builds a minimal Node.js base image from this machine's own `node` binary, for machines that
# cannot pull from a registry. The result plays the role `node:20-bookworm-slim` plays for users
# with a registry: pass it to the Dockerfile as `--build-arg BASE_IMAGE=<tag>`.
#
# usage: image/local-base.sh [tag]        (default tag: scalewright/node-base:local)
# env:   NODE_BIN  the node binary to package (default: `command -v node`)
set -euo pipefail

tag="${1:-scalewright/node-base:local}"
case "${tag}" in -h|--help) sed -n '2,/^[^#]/p' "$0" | sed -n 's/^# \{0,1\}//p'; exit 0 ;; esac

node_bin="${NODE_BIN:-$(command -v node)}"
[ -x "${node_bin}" ] || { echo "local-base: no node binary found (set NODE_BIN)" >&2; exit 1; }
command -v docker >/dev/null || { echo "local-base: docker CLI not found" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "local-base: no Docker engine reachable (start dockerd)" >&2; exit 1; }

# A base from before the healthcheck's busybox was added is rebuilt.
if docker image inspect "${tag}" >/dev/null 2>&1 && [ "${REBUILD:-0}" != "1" ] \
  && docker run --rm --entrypoint /bin/busybox "${tag}" true >/dev/null 2>&1; then
  echo "local-base: ${tag} already present (REBUILD=1 to rebuild)"
  exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "${root}"' EXIT
mkdir -p "${root}/usr/local/bin" "${root}/etc" "${root}/tmp" "${root}/app" "${root}/home/node"
chmod 1777 "${root}/tmp"
cp "$(readlink -f "${node_bin}")" "${root}/usr/local/bin/node"
# The healthcheck's HTTP probe: a static busybox (`wget`, `sh`) costs a few milliseconds of CPU
# where a Node probe costs a third of a CPU-second, seconds of wall time in a 0.1-CPU container.
[ -x /bin/busybox ] || { echo "local-base: /bin/busybox not found (Debian: apt-get install busybox-static)" >&2; exit 1; }
mkdir -p "${root}/bin"
cp /bin/busybox "${root}/bin/busybox"
# The binary's shared libraries, at the paths the dynamic loader expects.
ldd "${node_bin}" | awk '/=>/ { print $3; next } $1 ~ /^\// { print $1 }' | while read -r lib; do
  [ -f "${lib}" ] || continue
  mkdir -p "${root}$(dirname "${lib}")"
  cp -L "${lib}" "${root}${lib}"
done
# glibc's name-service switch: without these, DNS lookups (Docker's embedded resolver) fail.
for lib in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -f "${lib}" ] && mkdir -p "${root}$(dirname "${lib}")" && cp -L "${lib}" "${root}${lib}"
done
cat > "${root}/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
node:x:1000:1000:node:/home/node:/sbin/nologin
PASSWD
cat > "${root}/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
GROUP
echo 'hosts: files dns' > "${root}/etc/nsswitch.conf"
chown 1000:1000 "${root}/home/node" "${root}/app"

tar -C "${root}" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_ENV=production' \
  --change 'WORKDIR /app' \
  --change 'CMD ["node"]' \
  - "${tag}" >/dev/null
echo "local-base: built ${tag} from ${node_bin} ($(docker image inspect -f '{{.Size}}' "${tag}") bytes)"
