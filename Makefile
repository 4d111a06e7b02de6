# iqkit: `make demo` and `make test` are the two commands; each installs what
# it needs first. Override SWIFT_FLAGS or PREFIX as usual.

APT_PACKAGES := pkg-config zlib1g-dev libfftw3-dev libgsl-dev libopenblas-dev \
                libnifti-dev libnifti2-dev libniftiio-dev libznz-dev
SWIFT        ?= swift
CONFIG       ?= release
PREFIX       ?= /usr/local
BIN          := .build/$(CONFIG)/iqkit
DEMO_DIR     := Reports/demo

.PHONY: all deps build demo test bench install clean

all: build

# Installs the Debian packages that are missing (as root, or through sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG) --product iqkit

demo: build
	@scripts/demo.sh $(BIN) $(DEMO_DIR)

# Release mode: the numerical tests run real volumes and would crawl in debug.
test: deps
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

bench: build
	@bench/run.sh $(BIN)

install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN) $(PREFIX)/bin/iqkit

clean:
	rm -rf .build $(DEMO_DIR)
