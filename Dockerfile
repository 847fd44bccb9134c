# syntax=docker/dockerfile:1
# The Berth image: one binary, `berth`, on Debian 12 with only its runtime libraries, running as
# the non-root user 65532 (the user the Helm chart's security contexts expect).
#   docker build -t ghcr.io/berth-dev/berth:0.1.0 .
# tests/helm/dockerfile.test.mjs checks that every path copied below exists and that every
# runtime package is a real Debian 12 package.

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config ca-certificates \
      libcpp-httplib-dev libssl-dev libyaml-cpp-dev libre2-dev nlohmann-json3-dev libcrypt-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY common/ common/
COPY policy/ policy/
COPY supplychain/ supplychain/
COPY webhook-certs/ webhook-certs/
COPY registry/ registry/
COPY node/ node/
COPY admission/ admission/
COPY server/ server/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBERTH_BUILD_TESTS=OFF -DBERTH_BUILD_BENCH=OFF \
 && cmake --build build --target berth -j"$(nproc)" \
 && strip build/berth \
 && build/berth version

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcpp-httplib0.11 libssl3 libyaml-cpp0.7 libre2-9 libcrypt1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 berth \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin berth \
 && install -d -o 65532 -g 65532 /var/lib/berth /etc/berth
COPY --from=build /src/build/berth /usr/local/bin/berth
USER 65532:65532
WORKDIR /var/lib/berth
EXPOSE 5000 8443
ENTRYPOINT ["/usr/local/bin/berth"]
# Without arguments: a registry on every interface, stored in /var/lib/berth (mount a volume).
CMD ["serve", "--registry-listen", "0.0.0.0:5000", "--storage", "/var/lib/berth"]
