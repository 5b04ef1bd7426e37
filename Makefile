# Honest targets: each does what its name says and nothing hidden.
GO      ?= go
BIN     := bin/sgswitch
PKGS    := ./...

GUEST   := examples/guest
DEBIAN_GUEST := examples/guest-debian

.PHONY: guest debian-guest cloud-init-demo build test unit-test integration-test bench pgo lint fuzz fuzz-short demo clean deps

build:
	$(GO) build -o $(BIN) ./cmd/sgswitch

# make test: everything CI runs. Root-only tests skip (saying why) when not root.
test: build lint unit-test fuzz-short integration-test

unit-test:
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

# End-to-end scripts against a real daemon (root: namespaces).
integration-test: build
	bash scripts/integration.sh

# The packet-path benchmarks are built with the profile the sgswitch binary
# is built with (cmd/sgswitch/default.pgo, which go build picks up itself),
# so that they measure the code users run. `make pgo` regenerates it.
PGO := $(CURDIR)/cmd/sgswitch/default.pgo

bench:
	$(GO) test -pgo=$(PGO) -run='^$$' -bench=. -benchmem ./ruleset/ ./flowtable/ ./switch/

pgo:
	bash scripts/pgo.sh

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

# Short fuzz runs of every parser (each corpus lives in its package's
# testdata/fuzz/; `go test` alone replays the corpus as regression tests).
FUZZTIME ?= 30s
FUZZ_TARGETS := ruleset:FuzzImport packet:FuzzParse packet:FuzzParseFast packet:FuzzChecksum testbed:FuzzParse \
	ec2api:FuzzParseQuery ec2api:FuzzHandler iface/gso:FuzzSegment flowtable:FuzzDecodeSnapshot vpc:FuzzDecodeSpec account:FuzzDecodeSpec \
	imds:FuzzHandleFrame imds:FuzzRequest agent:FuzzDecodeRequest vpcsvc:FuzzServe
# What `make test` (and so CI) runs: every fuzz target for 20,000 inputs
# beyond its committed corpus (a few seconds each). A count, not a
# duration: with a duration, Go 1.26's fuzz coordinator can report
# "context deadline exceeded" as a failure when -fuzztime ends while a
# worker is busy (golang/go#75804, fixed in Go 1.27), seen twice in CI here.
fuzz-short:
	$(MAKE) fuzz FUZZTIME=20000x

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn ./$$pkg/"; \
		$(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) ./$$pkg/ || exit 1; \
	done

# The tiny guest examples/vm.yaml boots (paths relative to the lab file):
# Debian's kernel, an initramfs made from busybox-static, and a static
# sgswitch in it as the in-guest agent (`sgswitch agent`).
guest:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/sgswitch-guest ./cmd/sgswitch
	bash scripts/guest/build-initramfs.sh $(GUEST) bin/sgswitch-guest

# A Debian 12 guest with cloud-init (mmdebstrap; needs root and network
# access to the apt mirror; minutes). Not part of make test.
debian-guest:
	bash scripts/guest/build-debian.sh $(DEBIAN_GUEST)

# Boots examples/cloud-init.yaml and shows cloud-init applying its user
# data (minutes under TCG). Not part of make test.
cloud-init-demo: build
	@[ -f $(DEBIAN_GUEST)/disk.img ] || $(MAKE) debian-guest
	bash scripts/cloud-init-demo.sh

# Install what the tests and the demo need on a Debian machine (idempotent).
deps:
	bash scripts/install-deps.sh

demo: deps build
	bash scripts/demo.sh

clean:
	rm -rf bin out
