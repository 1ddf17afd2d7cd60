# One image for both binaries: switchboard (the engine) and fakemeta (the Meta stand-in).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/switchboard ./cmd/switchboard \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/fakemeta ./cmd/fakemeta \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/switchboard /out/fakemeta /usr/local/bin/
# The embedded store's directory, owned by the image's nonroot user (65532): distroless has
# no shell to create it at start, and a node without MONGODB_URI keeps its data here.
COPY --from=build --chown=65532:65532 /out/data /var/lib/switchboard
VOLUME /var/lib/switchboard
ENV DATA_DIR=/var/lib/switchboard HOST=0.0.0.0 PORT=5000
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s CMD ["/usr/local/bin/switchboard", "health"]
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["serve"]
