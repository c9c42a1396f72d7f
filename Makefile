# Volley's targets. A bare `make` lists them.

GO       ?= go
BIN      ?= bin/volley-server
PKGS     := ./...
FUZZTIME ?= 10s

.PHONY: help build run test race fuzz bench bench-quick lint asm

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/volley-server
	$(GO) build -o $(BIN) ./cmd/volley-server

run: build ## build and start the server with volley.conf (127.0.0.1:6379)
	./$(BIN) volley.conf

test: ## gofmt and vet (also for macOS), then every test with the race detector (what CI runs)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	GOOS=darwin GOARCH=arm64 $(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

race: ## the concurrent packages under the race detector, several times
	$(GO) test -race -count=3 ./loop/... ./iothreads/... ./cmd/...

fuzz: ## run every fuzz target for FUZZTIME each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench: ## side-by-side benchmark against redis-server (and valkey-server if found)
	$(GO) run ./bench

bench-quick: ## the benchmark's two-minute version
	$(GO) run ./bench --quick

lint: ## go vet and staticcheck
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 $(PKGS)

asm: ## check that the assembly kernels build and match their Go twins
	$(GO) vet ./simd/...
	$(GO) test -count=1 ./simd/...
	$(GO) test -count=1 -tags purego ./simd/...
