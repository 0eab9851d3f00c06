# Runtime image of workspaces_exporter.
#
# Nothing is compiled here: the image takes a release binary built beforehand
# with the Swift standard library linked statically
# (swift build -c release --static-swift-stdlib) and staged as
# dist/linux-<arch>/workspaces_exporter, the way Prometheus' own exporters
# copy a promu build into a small base. The binary still links a few C
# libraries from Debian 12 dynamically; they are installed below.
#
#   scripts/container.sh build     # stages the binary, passes VERSION and REVISION
#   podman build --build-arg ARCH=arm64 --build-arg VERSION=0.2.0 \
#     --build-arg REVISION="$(git rev-parse HEAD)" -t workspaces-exporter:0.2.0 .
#
# With docker buildx, pass --build-arg ARCH=$TARGETARCH per platform.
# Only the CA bundle of ca-certificates is needed (TLS to the AWS endpoints);
# the package itself would bring openssl (2.3 MB) for its update script.
FROM debian:bookworm-slim AS certificates
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

FROM debian:bookworm-slim

ARG ARCH=amd64
ARG VERSION=0.0.0
ARG REVISION=unknown

LABEL org.opencontainers.image.title="workspaces_exporter" \
      org.opencontainers.image.description="Prometheus exporter for Amazon WorkSpaces images" \
      org.opencontainers.image.source="https://github.com/workspaces-exporter/workspaces-exporter" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# Runtime libraries of the binary, one line to edit: check the list against
# `ldd dist/linux-amd64/workspaces_exporter` (scripts/container.sh ldd does)
# whenever the dependencies change. zlib1g, libcrypt1 and libgnutls30 are in
# the base already; they are listed so that the list says what is needed.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libmicrohttpd12 zlib1g libcrypt1 libyaml-0-2 libgnutls30 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

COPY --from=certificates /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

COPY dist/linux-${ARCH}/workspaces_exporter /bin/workspaces_exporter

EXPOSE 10027
USER 65534:65534
ENTRYPOINT ["/bin/workspaces_exporter"]
