# shellcheck shell=bash
# Shared helpers for the local-cluster scripts (sourced, not executed).

# shellcheck disable=SC2034  # variables used by the scripts that source this file
LC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Where state lives (pidfiles, certs, logs, containerd and kubelet roots). Removed by `down --purge` only.
# shellcheck disable=SC2034
STATE=${TRIBOKA_CLUSTER_STATE:-/var/lib/triboka-cluster}
# Versioned binary cache, kept across `down`.
CACHE=${TRIBOKA_CACHE:-/var/cache/triboka}
# shellcheck disable=SC2034
BIN_CACHE=$CACHE/local-cluster
export GOMODCACHE=${GOMODCACHE:-$CACHE/go/mod}
export GOCACHE=${GOCACHE:-$CACHE/go/cache}
export PATH=/usr/local/go/bin:$CACHE/bin:/usr/sbin:/sbin:$PATH

_T0=${_T0:-$(date +%s.%N)}
_TS=$_T0
# step "message": print a progress line with the elapsed time of the previous step and the total.
step() {
  local now; now=$(date +%s.%N)
  awk -v n="$now" -v a="$_T0" -v b="$_TS" -v m="$*" 'BEGIN{printf "[%6.1fs +%5.1fs] %s\n", n-a, n-b, m}'
  _TS=$now
}
die() { echo "ERROR: $*" >&2; exit 1; }

# wait_for WHAT TIMEOUT_S CMD...: poll CMD until it succeeds.
wait_for() {
  local what=$1 t=$2 deadline; shift 2
  deadline=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "ERROR: timed out after ${t}s waiting for $what" >&2
      return 1
    fi
    sleep 0.3
  done
}

# The machine's configured Debian mirror, read from its apt sources (never hard-coded).
apt_mirror() {
  local m=""
  if [ -n "${APT_MIRROR:-}" ]; then echo "$APT_MIRROR"; return; fi
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    m=$(awk '/^Types:/{deb=($0 ~ /[[:space:]]deb([[:space:]]|$)/)} /^URIs:/ && deb && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "no Debian mirror found in the apt sources; set APT_MIRROR"
  echo "$m"
}

# ensure_pkgs PKG...: apt-get install whatever is missing.
ensure_pkgs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "  installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The OCI runtime podman/buildah use here: crun refuses this kind of machine's hybrid cgroups.
CONTAINERS_RUNTIME=runc

# ensure_podman: podman and buildah, and the runtime containers.conf names. Debian's podman depends on
# "crun | runc" and apt picks crun, so the runtime is installed by name here, by whoever configures it.
ensure_podman() {
  ensure_pkgs podman buildah uidmap "$CONTAINERS_RUNTIME"
  ensure_containers_conf
}

# podman/buildah on this kind of machine: no CAP_SYS_RESOURCE (default rlimits fail) and hybrid
# cgroups (crun refuses) -> runc and explicit ulimits. Called through ensure_podman, which installs runc.
ensure_containers_conf() {
  local f=/etc/containers/containers.conf
  mkdir -p /etc/containers
  if [ ! -f "$f" ]; then
    cat > "$f" <<CONF
# Written by k8s/local-cluster: no CAP_SYS_RESOURCE here and hybrid cgroups (crun refuses them).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "$CONTAINERS_RUNTIME"
CONF
  elif ! grep -Eq "^[[:space:]]*runtime[[:space:]]*=[[:space:]]*\"$CONTAINERS_RUNTIME\"" "$f"; then
    echo "WARNING: $f exists without runtime = \"$CONTAINERS_RUNTIME\"; podman may fail (see k8s/local-cluster/README.md)" >&2
  fi
}
