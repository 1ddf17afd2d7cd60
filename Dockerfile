# One image for both binaries: switchboard (the engine) and fakemeta (the Meta stand-in).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/switchboard ./cmd/switchboard \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/fakemeta ./cmd/fakemeta

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/switchboard /out/fakemeta /usr/local/bin/
ENV DATA_DIR=/var/lib/switchboard HOST=0.0.0.0 PORT=5000
EXPOSE 5000
ENTRYPOINT ["/usr/local/bin/switchboard"]
CMD ["serve"]
