# A small static image of netdoctor (the monitor agent and every other command), for amd64
# or arm64. The target architecture is the build argument TARGETARCH, which BuildKit sets
# from --platform:
#   docker build -t netdoctor .                                   # the host's architecture
#   docker buildx build --platform linux/arm64 -t netdoctor:arm64 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/netdoctor:TAG --push .
#   docker run --rm netdoctor --help
# The build stage runs on the target platform (under QEMU emulation for a foreign one, which
# buildx sets up with `docker run --privileged --rm tonistiigi/binfmt --install arm64`), so
# that its own musl-gcc compiles ring's C code for that architecture.
#
# Stage 1: a fully static musl binary (rustls with ring: no OpenSSL, no system library).
FROM rust:1-bookworm AS build
ARG TARGETARCH
RUN case "${TARGETARCH:-$(dpkg --print-architecture)}" in \
      amd64|x86_64) arch=x86_64 ;; \
      arm64|aarch64) arch=aarch64 ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}: amd64 or arm64" >&2; exit 1 ;; \
    esac \
 && echo "${arch}-unknown-linux-musl" > /rust-target \
 && rustup target add "$(cat /rust-target)" \
 && apt-get update && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN target="$(cat /rust-target)" \
 && cargo build --release --locked -p netdoctor --target "$target" \
 && strip "target/$target/release/netdoctor" \
 && cp "target/$target/release/netdoctor" /netdoctor

# Stage 2: nothing but the binary (distroless static: CA bundle, /etc/passwd with nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /netdoctor /usr/local/bin/netdoctor
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/netdoctor"]
CMD ["monitor", "--listen=0.0.0.0:9464", "--config=/etc/netdoctor/monitor.yaml"]
