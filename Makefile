# lwip-accept-series: the patch series, its vendor trees, the reference
# consumer and their tests.  `make check` runs every test; `make bench`
# measures accept latency, stock vs patched.  Both install the Debian
# packages they lack (as root) and fetch the pinned lwIP trees themselves.

TREES := build/trees
PATCHED := build/patched

.PHONY: all fetch patch check check-series deps-series clean

all: patch

deps-series:
	@tools/ensure-deps series

fetch: deps-series
	@lwip/fetch $(TREES)

# Pristine trees with the series applied, for looking at and building against.
patch: fetch
	@for t in debian-2.1.3 upstream-2.1.3 debian-2.2.1 upstream-2.2.1; do \
	  rm -rf $(PATCHED)/$$t; mkdir -p $(PATCHED); cp -a $(TREES)/$$t $(PATCHED)/$$t; \
	  lwip/apply $(PATCHED)/$$t || exit 1; \
	done

check-series: fetch
	@tests/run-all tests/series/apply-tool tests/series/run

check: fetch
	@tests/run-all tests/series/apply-tool tests/series/run

clean:
	rm -rf build/series-tests build/apply-tool-tests $(PATCHED)
