# Switchboard. `make run` starts a node on the embedded store; `make test` runs the suite.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/switchboard
# Packages `make bench` runs Go benchmarks in (`make test` picks its own packages, below).
PKGS     := ./...

.PHONY: run build test test-deps lint bench env-example clean

## run: build, seed the demo data (idempotent) and serve on :5000 with the embedded store
run: build
	./$(BIN) seed
	./$(BIN) serve

## build: compile bin/switchboard, and bin/fakemeta (the Graph API stand-in: ./bin/fakemeta -h)
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/switchboard
	$(GO) build -o bin/fakemeta ./cmd/fakemeta

## test: the whole suite. Tests needing Redis or FerretDB read SWITCHBOARD_TEST_REDIS_URL /
## SWITCHBOARD_TEST_MONGODB_URI (see `make test-deps`); without them they skip outside CI and
## fail in CI. Packages that start protoactor nodes run without the race detector: every
## protoactor remote start writes gRPC's global logger (grpclog.SetLoggerV2 in remote.Start)
## while an earlier node's gRPC server reads it, a race inside the pinned protoactor/gRPC that
## no code of ours can order (ARCHITECTURE.md). Everything else runs with -race.
PROTOACTOR_PKGS := ./actors/... ./bench/... ./cluster/... ./engine/...
test:
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v -e /actors -e /bench -e /cluster -e /engine)
	$(GO) test -count=1 -timeout 15m $(PROTOACTOR_PKGS)

## test-deps: run the suite against a local Redis and FerretDB, as CI does
test-deps:
	bash -c 'set -e; bash .ci/build-ferretdb.sh; source .ci/deps.sh; trap deps_stop EXIT; deps_start; $(MAKE) test'

## lint: go vet and a gofmt check (of new files too: --others lists those not yet added)
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: the load scenarios (README, "Results"), each appending to bench/results.md, then
## the Go benchmarks (transport/webhook's acknowledgement path)
bench: build
	./$(BIN) bench webhook-ingest --record bench/results.md
	./$(BIN) bench send-throughput --record bench/results.md
	./$(BIN) bench pacing --record bench/results.md
	$(GO) test -run '^$$' -bench . -benchmem -count 1 $(PKGS)

## env-example: regenerate .env.example from config/config.go
env-example:
	$(GO) run ./cmd/switchboard env-example > .env.example

clean:
	rm -rf bin
