# syntax=docker/dockerfile:1
# Builds the worker, starter and portal as static binaries, then copies them into a
# small runtime image. Used by the `worker` and `portal` services in
# docker-compose.yml.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# Modules first, so code edits do not invalidate the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/worker ./worker && \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/starter ./starter && \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/portal ./portal

FROM alpine:3.22.2
# CA roots for TLS to Temporal Cloud / an SMTP relay; tzdata for deadlines in
# local time.
RUN apk add --no-cache ca-certificates tzdata && \
    adduser -D -H -u 10001 callcycle && \
    mkdir -p /data/out && chown callcycle /data/out
COPY --from=build /out/worker /out/starter /out/portal /usr/local/bin/
USER callcycle
WORKDIR /data
ENV OUTPUT_DIR=/data/out
VOLUME /data/out
ENTRYPOINT ["/usr/local/bin/worker"]
