# A small static image of netdoctor (the monitor agent and every other command).
#   docker build -t netdoctor .
#   docker run --rm netdoctor --help
# Stage 1: a fully static musl binary (rustls with ring: no OpenSSL, no system library).
FROM rust:1-bookworm AS build
RUN rustup target add x86_64-unknown-linux-musl \
 && apt-get update && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
RUN cargo build --release --locked -p netdoctor --target x86_64-unknown-linux-musl \
 && strip target/x86_64-unknown-linux-musl/release/netdoctor

# Stage 2: nothing but the binary (distroless static: CA bundle, /etc/passwd with nonroot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/netdoctor /usr/local/bin/netdoctor
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/netdoctor"]
CMD ["monitor", "--listen=0.0.0.0:9464", "--config=/etc/netdoctor/monitor.yaml"]
