#!/usr/bin/env bash
# Builds FerretDB v1.24.2 from the Go module cache into $1 (default .ci/bin/ferretdb).
# `go install` produces a binary that panics on a missing build/version/version.txt,
# so we copy the module source, write that file, and build it ourselves.
set -euo pipefail
out=${1:-"$(cd "$(dirname "$0")" && pwd)/bin/ferretdb"}
version=v1.24.2
if [ -x "$out" ] && "$out" --version 2>/dev/null | grep -q "$version"; then
  echo "ferretdb $version already built at $out"
  exit 0
fi
dir=$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "build-ferretdb: go mod download gave no Dir" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
mkdir -p "$work/src/build/version"
echo "$version" > "$work/src/build/version/version.txt"
mkdir -p "$(dirname "$out")"
(cd "$work/src" && GOFLAGS=-mod=mod go build -o "$out" ./cmd/ferretdb)
echo "built $out"
