#!/usr/bin/env bash
# Builds the release archive in promu's shape:
#   dist/workspaces_exporter-VERSION.linux-ARCH.tar.gz  (binary, LICENSE, README.md,
#       CHANGELOG.md, docs/, dashboards/, alerts/, examples/, mixin/)
#   dist/sha256sums.txt
#   dist/linux-ARCH/workspaces_exporter                  (what the Dockerfile copies)
# The binary is a release build with the Swift runtime linked statically
# (--static-swift-stdlib) and stripped: the target machine needs only glibc and
# Debian's runtime packages of libmicrohttpd, GnuTLS, libyaml, zlib and
# libcrypt (see the Dockerfile). VERSION and the git revision are stamped in.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
version="$(tr -d ' \n' < VERSION)"
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
scratch=.build-release
# The emulator comes from the same build: the integration tests start these
# two binaries (dist/linux-ARCH/workspaces_exporter and $scratch/release/workspaces_emulator).
for product in workspaces_exporter workspaces_emulator; do
  swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product"
done
bin="$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/workspaces_exporter"

name="workspaces_exporter-${version}.linux-${arch}"
rm -rf "dist/$name" "dist/linux-$arch"
mkdir -p "dist/$name" "dist/linux-$arch"
cp "$bin" "dist/$name/workspaces_exporter"
strip --strip-all "dist/$name/workspaces_exporter"
cp LICENSE README.md CHANGELOG.md "dist/$name/"
cp -r docs dashboards alerts examples mixin "dist/$name/"
cp "dist/$name/workspaces_exporter" "dist/linux-$arch/workspaces_exporter"
# Reproducible archive: fixed owner and order, the commit's time.
mtime="$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C dist -czf "dist/$name.tar.gz" "$name"
(cd dist && sha256sum "$name.tar.gz" > sha256sums.txt)

binary_bytes=$(stat -c %s "dist/$name/workspaces_exporter")
archive_bytes=$(stat -c %s "dist/$name.tar.gz")
echo "dist/$name.tar.gz: binary $binary_bytes bytes stripped, archive $archive_bytes bytes"
"dist/$name/workspaces_exporter" --version
