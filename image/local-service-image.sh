#!/usr/bin/env bash
# Builds a minimal image of one of the stack's third-party services from this machine's Debian
# binaries, for machines that cannot pull from a registry. Like image/local-base.sh does for node:
# the binary, its shared libraries (ldd), glibc's DNS modules, a static busybox (for `wget` in
# healthchecks) and a minimal config, packed with `docker import`.
#
# usage: image/local-service-image.sh <redis|influxdb|nginx|haproxy|all> [tag]
#        default tags: scalewright/<service>:local (redis, influxdb, nginx, haproxy)
# env:   REBUILD=1   rebuild even when the tag exists
#        NO_INSTALL=1  never run apt-get (fail when a binary is missing)
#
# Debian packages used (installed with apt-get when missing, as root): redis-server,
# influxdb, nginx, haproxy, busybox-static.
# InfluxDB: Debian ships 1.6.7, which serves the v1 API only (no org/bucket/token set-up); the
# stack talks v1 to both (/write, /query), see compose/docker-compose.local.yml.
set -euo pipefail

service="${1:-}"
case "${service}" in
  -h|--help|'') sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${service}" ]; exit $? ;;
  all) for one in redis influxdb nginx haproxy; do "$0" "${one}"; done; exit 0 ;;
  redis|influxdb|nginx|haproxy) ;;
  *) echo "local-service-image: unknown service '${service}' (redis, influxdb, nginx, haproxy or all)" >&2; exit 2 ;;
esac
tag="${2:-scalewright/${service}:local}"

command -v docker >/dev/null || { echo "local-service-image: docker CLI not found" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "local-service-image: no Docker engine reachable (start dockerd)" >&2; exit 1; }
if docker image inspect "${tag}" >/dev/null 2>&1 && [ "${REBUILD:-0}" != "1" ]; then
  echo "local-service-image: ${tag} already present (REBUILD=1 to rebuild)"
  exit 0
fi

# Installs the Debian packages that provide the missing commands (binary:package pairs).
apt_updated=0
need() {
  local missing=()
  for pair in "$@"; do
    local binary="${pair%%:*}" package="${pair#*:}"
    [ -x "${binary}" ] || missing+=("${package}")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "${NO_INSTALL:-0}" = "1" ] || ! command -v apt-get >/dev/null; then
    echo "local-service-image: missing Debian package(s): ${missing[*]}" >&2; exit 1
  fi
  echo "local-service-image: installing ${missing[*]}" >&2
  [ "${apt_updated}" = 1 ] || { DEBIAN_FRONTEND=noninteractive apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Packages start their system-wide daemon on install; the stack runs its own in containers.
  for daemon in redis-server influxdb nginx haproxy; do service "${daemon}" stop >/dev/null 2>&1 || true; done
}

root="$(mktemp -d)"
trap 'rm -rf "${root}"' EXIT

# Copies a binary to <root><dest> and every shared library it needs to the same path as on the host.
add_binary() {
  local source="$1" dest="$2"
  mkdir -p "${root}$(dirname "${dest}")"
  cp "$(readlink -f "${source}")" "${root}${dest}"
  ldd "${source}" 2>/dev/null | awk '/=>/ { print $3; next } $1 ~ /^\// { print $1 }' | while read -r lib; do
    [ -f "${lib}" ] || continue
    mkdir -p "${root}$(dirname "${lib}")"
    cp -L "${lib}" "${root}${lib}"
  done
}

need /bin/busybox:busybox-static
mkdir -p "${root}/bin" "${root}/etc" "${root}/tmp" "${root}/run"
chmod 1777 "${root}/tmp"
cp /bin/busybox "${root}/bin/busybox"
for applet in sh wget nc cat ls; do ln -s busybox "${root}/bin/${applet}"; done
# glibc's name-service switch: without these, names on Docker's embedded DNS do not resolve.
for lib in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -f "${lib}" ] && mkdir -p "${root}$(dirname "${lib}")" && cp -L "${lib}" "${root}${lib}"
done
echo 'hosts: files dns' > "${root}/etc/nsswitch.conf"
cat > "${root}/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
redis:x:999:999:redis:/data:/sbin/nologin
influxdb:x:1500:1500:influxdb:/var/lib/influxdb:/sbin/nologin
haproxy:x:99:99:haproxy:/var/lib/haproxy:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat > "${root}/etc/group" <<'GROUP'
root:x:0:
redis:x:999:
influxdb:x:1500:
haproxy:x:99:
nogroup:x:65534:
nobody:x:65534:
GROUP

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
case "${service}" in
  redis)
    need /usr/bin/redis-server:redis-server /usr/bin/redis-cli:redis-tools
    add_binary /usr/bin/redis-server /usr/local/bin/redis-server
    add_binary /usr/bin/redis-cli /usr/local/bin/redis-cli
    mkdir -p "${root}/data" && chown 999:999 "${root}/data"
    # As the official image: no persistence unless asked, reachable from other containers.
    changes+=(--change 'USER 999:999' --change 'WORKDIR /data' --change 'EXPOSE 6379'
      --change 'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]')
    ;;
  influxdb)
    need /usr/bin/influxd:influxdb
    add_binary /usr/bin/influxd /usr/local/bin/influxd
    mkdir -p "${root}/etc/influxdb" "${root}/var/lib/influxdb"
    cat > "${root}/etc/influxdb/influxdb.conf" <<'CONF'
# InfluxDB 1.x for the local stack: v1 HTTP API on :8086, no authentication (the network is the
# compose project's own), data under /var/lib/influxdb (a volume).
reporting-disabled = true
bind-address = "127.0.0.1:8088"
[meta]
  dir = "/var/lib/influxdb/meta"
[data]
  dir = "/var/lib/influxdb/data"
  wal-dir = "/var/lib/influxdb/wal"
  query-log-enabled = false
[http]
  bind-address = ":8086"
  auth-enabled = false
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  run-interval = "10s"
CONF
    chown -R 1500:1500 "${root}/var/lib/influxdb"
    changes+=(--change 'USER 1500:1500' --change 'EXPOSE 8086' --change 'VOLUME /var/lib/influxdb'
      --change 'CMD ["influxd", "run", "-config", "/etc/influxdb/influxdb.conf"]')
    ;;
  nginx)
    need /usr/sbin/nginx:nginx
    add_binary /usr/sbin/nginx /usr/sbin/nginx
    mkdir -p "${root}/etc/nginx" "${root}/var/log/nginx" "${root}/var/lib/nginx" "${root}/var/cache/nginx"
    [ -f /etc/nginx/mime.types ] && cp /etc/nginx/mime.types "${root}/etc/nginx/mime.types"
    # A placeholder: the stack mounts its own nginx.conf over it.
    cat > "${root}/etc/nginx/nginx.conf" <<'CONF'
pid /tmp/nginx.pid;
error_log stderr;
events {}
http { access_log off; server { listen 8080; location / { return 200 "nginx\n"; } } }
CONF
    changes+=(--change 'EXPOSE 8080'
      --change 'CMD ["nginx", "-e", "stderr", "-g", "daemon off;"]')
    ;;
  haproxy)
    # The Docker socket proxy of the stack (compose/docker-proxy/haproxy.cfg is mounted over the
    # placeholder, at the official image's path).
    need /usr/sbin/haproxy:haproxy
    add_binary /usr/sbin/haproxy /usr/local/sbin/haproxy
    mkdir -p "${root}/usr/local/etc/haproxy" "${root}/var/lib/haproxy"
    cat > "${root}/usr/local/etc/haproxy/haproxy.cfg" <<'CONF'
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend placeholder
  bind :8405
  monitor-uri /healthz
CONF
    changes+=(--change 'CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]')
    ;;
esac

tar -C "${root}" -c . | docker import "${changes[@]}" - "${tag}" >/dev/null
echo "local-service-image: built ${tag} ($(docker image inspect -f '{{.Size}}' "${tag}") bytes)"
