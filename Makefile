# iqkit: `make demo` and `make test` are the two commands; each installs what
# it needs first. Override SWIFT_FLAGS or PREFIX as usual.

APT_PACKAGES := pkg-config zlib1g-dev libfftw3-dev libgsl-dev libopenblas-dev \
                libnifti-dev libnifti2-dev libniftiio-dev libznz-dev libdeflate-dev \
                libssl-dev
SWIFT        ?= swift
CONFIG       ?= release
PREFIX       ?= /usr/local
BIN          := .build/$(CONFIG)/iqkit
DEMO_DIR     := Reports/demo

.PHONY: all deps build demo model report-screenshot test test-sanitize fuzz bench install clean

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

# The shipped EARL classifier: simulated corpora, 5-fold CV, training,
# test-set scores (scripts/train-model.sh; FOLDS=0 skips the CV;
# TRAIN_SEED, TESTS and INSTALL=0 for studies of the recipe).
model: build
	scripts/train-model.sh $(BIN)

# Headless Chromium renders the demo report to PNG and PDF in Reports/screenshots.
report-screenshot: demo
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }
	scripts/report-screenshot.sh $(DEMO_DIR)/index.html Reports/screenshots

# Release mode: the numerical tests run real volumes and would crawl in debug.
test: deps
	$(SWIFT) build -c $(CONFIG) --build-tests
	$(SWIFT) test -c $(CONFIG) --skip-build

# The test suite under AddressSanitizer (Swift and C) and
# UndefinedBehaviorSanitizer (the C shims: swiftc has no UBSan, and Swift
# itself traps on overflow and out-of-bounds access, also in -O builds).
# Release mode: the CNN training tests would take most of an hour under ASan
# in a debug build.
SANITIZE_FLAGS := --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined \
                  -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined
test-sanitize: deps
	$(SWIFT) build -c release --scratch-path .build-sanitize --build-tests $(SANITIZE_FLAGS)
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt:print_suppressions=0 \
	  $(SWIFT) test -c release --scratch-path .build-sanitize --skip-build $(SANITIZE_FLAGS)

# libFuzzer over each harness for FUZZ_SECONDS, starting from Fuzz/corpus/<target>;
# new inputs go to .build-fuzz/corpus, crashes to .build-fuzz/crashes.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= nifti nifti-gz manifest bands labels results model corpus
fuzz: deps
	$(SWIFT) build --scratch-path .build-fuzz --product iqkit-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/crashes/$$t; \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt:print_suppressions=0 IQKIT_FUZZ_TARGET=$$t .build-fuzz/debug/iqkit-fuzz .build-fuzz/corpus/$$t Fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -artifact_prefix=.build-fuzz/crashes/$$t/ -print_final_stats=1 \
	    > .build-fuzz/$$t.log 2>&1; status=$$?; \
	  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)" .build-fuzz/$$t.log; \
	  if [ $$status -ne 0 ]; then echo "fuzzer found a problem: see .build-fuzz/$$t.log"; exit 1; fi; \
	done

bench: build
	@bench/run.sh $(BIN)

# The binary plus the data it reads at run time (report templates, phantom
# definitions and standards), found by iqkit in $(PREFIX)/share/iqkit.
install: build
	install -d $(PREFIX)/bin $(PREFIX)/share/iqkit/Reports/templates
	install -m 0755 $(BIN) $(PREFIX)/bin/iqkit
	install -m 0644 Reports/templates/* $(PREFIX)/share/iqkit/Reports/templates/
	if [ -d Phantoms ]; then cp -R Phantoms $(PREFIX)/share/iqkit/; fi

clean:
	rm -rf .build $(DEMO_DIR)
