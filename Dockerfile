# colorme-sync: one image with the worker, the operator console, the starter CLI
# and the ColorMe sandbox. docker-compose.yml runs the worker (default command)
# and the console, and, under profiles, the starter and the sandbox.
#
#   docker build -t colorme-sync .
#   docker run --rm colorme-sync starter help

# --- build: static binaries, no cgo (SQLite is pure Go) ---
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ ./worker ./console ./starter ./sandbox

# --- runtime: small, non-root; busybox's stty lets `starter shop set-secret`
# read the secret without echo ---
FROM alpine:3.22
RUN apk add --no-cache ca-certificates && adduser -D -u 10001 colorme
COPY --from=build /out/ /usr/local/bin/
USER colorme
WORKDIR /home/colorme
CMD ["worker"]
