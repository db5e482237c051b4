# lwip-accept-series: the patch series, its vendor trees, the reference
# consumer and their tests.  `make check` runs every test; `make bench`
# measures accept latency, stock vs patched (C server and MicroPython).  Both install the Debian
# packages they lack (as root) and fetch the pinned lwIP trees themselves.

TREES := build/trees
PATCHED := build/patched

.PHONY: all fetch patch micropython micropython-san check check-series deps-series deps-consumer consumer consumer-san relay bench clean bench-sim upstream deb

STOCK_TREE := $(TREES)/upstream-2.2.1
PATCHED_TREE := build/consumer-trees/patched-2.2.1

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

deps-consumer:
	@tools/ensure-deps series consumer e2e

# The upstream 2.2.1 release with the series applied: what the consumer's
# patched build uses.
$(PATCHED_TREE)/.lwip-series/pc/applied-patches: series $(wildcard patches/*.patch) | fetch
	@rm -rf $(PATCHED_TREE) && mkdir -p $(dir $(PATCHED_TREE))
	@cp -a $(STOCK_TREE) $(PATCHED_TREE)
	@lwip/apply -q $(PATCHED_TREE)

# The same consumer sources against the stock and the patched tree.
consumer: deps-consumer fetch $(PATCHED_TREE)/.lwip-series/pc/applied-patches
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(STOCK_TREE) VARIANT=stock
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(PATCHED_TREE) VARIANT=patched

consumer-san: consumer
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(STOCK_TREE) VARIANT=stock SAN=1
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(PATCHED_TREE) VARIANT=patched SAN=1

# MicroPython's unix port on lwIP with its own modlwip (micropython/build):
# stock, the series' lwIP with stock modlwip, and with modlwip patched
# (tools/micropython/); in build/micropython/.  MicroPython's source is a
# pinned Debian source package (micropython/version).
micropython: fetch $(PATCHED_TREE)/.lwip-series/pc/applied-patches
	@tools/ensure-deps micropython
	@micropython/build

# the same with ASan+UBSan, for the tests (build/micropython-san/)
micropython-san: micropython
	@micropython/build --san

# The end-to-end tests' impairment relay (loss, reordering; tests/e2e/relay.c),
# with the sanitizers like every test.
RELAY := build/relay/relay
relay: $(RELAY)
$(RELAY): tests/e2e/relay.c
	@mkdir -p $(dir $@)
	@$(CC) -std=c99 -Wall -Wextra -Werror -g -O2 -fsanitize=address,undefined \
	  -fno-sanitize-recover=all -fno-omit-frame-pointer -o $@ $<

check-series: fetch
	@tests/run-all tests/series/apply-tool tests/series/run tests/series/check-tree

# The series in Debian's own packaging (tools/deb/make-deb): the lwIP source
# package of this machine's Debian release with the series in debian/patches
# (DEP-3, fuzz 0), built with dpkg-buildpackage; output in build/deb/.
# Installs the package's build dependencies (apt-get build-dep) as root.
deb: fetch
	@tools/ensure-deps deb
	@tools/deb/make-deb

check: deps-consumer fetch consumer-san relay micropython-san
	@tools/ensure-deps deb
	@tests/run-all tests/repo/run tests/series/apply-tool tests/series/run tests/series/check-tree tests/deb/run tests/consumer/run tests/bench/sim/check tests/e2e/run tests/micropython/run

# Accept latency, stock vs patched lwIP, and the series' footprint
# (tests/bench/run): N connections per variant and scenario; prints the table,
# writes build/bench/ (results.md, samples.csv, cdf.svg, cdf.png).  Then
# MicroPython on lwIP (tests/bench/micropython): the WebREPL prompt and an
# HTTP response on the three MicroPython builds against the C server's
# patched build; build/bench/micropython.md, micropython-cdf.{svg,png}.
# The servers it measures are built with lwIP's default TCP timer
# (TCP_TMR_INTERVAL 250 ms, the timer the series is about), not the finer one
# of consumer/lwipopts.h; consumer/Makefile takes the define with CC.
N ?= 200
BENCH_SERVERS := build/consumer-bench
bench: consumer micropython
	@tools/ensure-deps bench micropython
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(STOCK_TREE) VARIANT=stock \
	  BUILD=$(CURDIR)/$(BENCH_SERVERS)/stock CC="$(CC) -DTCP_TMR_INTERVAL=250"
	@$(MAKE) -s -C consumer TREE=$(CURDIR)/$(PATCHED_TREE) VARIANT=patched \
	  BUILD=$(CURDIR)/$(BENCH_SERVERS)/patched CC="$(CC) -DTCP_TMR_INTERVAL=250"
	@BENCH_SERVERS=$(CURDIR)/$(BENCH_SERVERS) tests/bench/run $(N)
	@BENCH_SERVERS=$(CURDIR)/$(BENCH_SERVERS) tests/bench/micropython $(N)

# The accept path in a deterministic simulation (virtual clock, simulated
# link, scripted client; tests/bench/sim/run): stock, patched, inline and
# timeout0 set-up, one connection at a time and in bursts.  Prints tables;
# `tests/bench/sim/run --check` asserts on the virtual results.
bench-sim: consumer
	@tests/bench/sim/run

# The series as lwIP wants it (tools/upstream/make-kit): a git repository
# with one commit per patch on a base, each adding its CHANGELOG (and
# UPGRADING) entry; `git format-patch` output with a cover letter in
# build/upstream/patches/; lwIP's CI checks on the result (unit tests
# gcc/clang, every commit, example app with every test config, Doxygen
# warnings, codespell, git am of the patches), report in
# build/upstream/report.md.  The base: LWIP=DIR, HEAD of any lwIP git
# checkout (e.g. a clone of lwIP's master); default the pinned 2.2.1 tree.
upstream: fetch
	@tools/ensure-deps series upstream
	@tools/upstream/make-kit $(if $(LWIP),--lwip "$(LWIP)")

# Everything built; the fetched trees and downloads (build/trees,
# build/vendor) stay.
clean:
	rm -rf $(filter-out build/trees build/vendor,$(wildcard build/*))
