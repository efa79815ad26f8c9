# Pivot as a container: pivot slack (or pivot discord) with /healthz and
# Prometheus metrics on :9464. docs/deploy.md explains the choices.
#
#   docker build -t pivot .
#   docker run -d --name pivot --env-file /etc/pivot/pivot.env \
#     -v pivot-data:/data -p 127.0.0.1:9464:9464 pivot slack
#
# Tokens come from the environment (--env-file), never from arguments.

# ---- build: a static binary (modernc.org/sqlite is pure Go, so no cgo) ----
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/pivot ./cmd/pivot \
 && /out/pivot validate >/dev/null \
 && mkdir -p /out/data

# ---- run: no shell, no package manager, CA certificates for Slack and
# Discord's TLS, and the distroless "nonroot" user (uid/gid 65532) ----
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pivot /usr/local/bin/pivot
# The SQLite file (and its -wal/-shm) lives on this volume, owned by the
# user the bot runs as. With PostgreSQL set PIVOT_DB=postgres://… instead.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME ["/data"]
ENV PIVOT_DB=/data/pivot.db \
    PIVOT_METRICS_ADDR=:9464
USER 65532:65532
EXPOSE 9464
# /healthz: 200 while the database answers and the platform is connected.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/pivot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/pivot"]
CMD ["slack"]
