# SPDX-License-Identifier: GPL-2.0
#
# ptwalk: prove how virtual memory maps to physical memory, from both sides
# of the kernel boundary. 'make help' lists the targets; each is one
# tools/ptwalk/ptwalk.py call or one sub-make. The cells (kernel version x page-table
# geometry) are in config/matrix.toml.
#
# KVER=6.12|6.1 picks one of Debian's linux-source trees, unpacked once into
# $(PTWALK_CACHE); KDIR=/path/to/linux uses a tree you already have.

PTWALK_CACHE ?= $(HOME)/.cache/ptwalk
RESULTS ?= $(CURDIR)/results
export PTWALK_CACHE RESULTS KDIR KVER

PTWALK := $(CURDIR)/tools/ptwalk/ptwalk.py

.PHONY: help run check matrix matrix-full matrix-gate kunit guest selftests \
	pagemap-walk pagemap-walk-test runner-test host-state bench bench-mmu docs docs-check checkpatch summary kcidb cells \
	tree install-kunit uninstall-kunit mutants patch series-check series-mutants fixes fixes-check \
	ci-containers \
	clean distclean

help:
	@echo 'ptwalk targets:'
	@echo '  run              the gating cells, the selftests here, the tool tests, summarised'
	@echo '  check            what CI gates on (= .ci/run): run + runner-test, checkpatch, docs, actionlint, docs-check,'
	@echo '                   and the kernel'"'"'s checks of the series of config/matrix.toml'"'"'s series_gate'
	@echo '  matrix           every cell of config/matrix.toml (CELLS="6.1:um 6.12:arm64-va48" for some;'
	@echo '                   matrix-full: the same)'
	@echo '  matrix-gate      the cells make check gates on'
	@echo '  cells            the cells, which gate, which boot the selftests guest (JSON=1: as JSON)'
	@echo '  kunit            KUnit suites on one tree (KVER=/KDIR=; GEOMETRIES="um ...")'
	@echo '  guest            pagemap selftests inside one tree'"'"'s kernels (GEOMETRIES=...)'
	@echo '  selftests        pagemap selftests on this machine'
	@echo '  host-state       those that change host settings, killed at every step and two at once:'
	@echo '                   the host as found (PAIRS=30)'
	@echo '  pagemap-walk     build tools/pagemap-walk/pagemap-walk (the user-space walker)'
	@echo '  pagemap-walk-test its tests, also under ASan/UBSan, and against the kernel'"'"'s page-types'
	@echo '  runner-test      tests of the host runner tools/ptwalk/ over captured logs, mypy,'
	@echo '                   and the static checks that the docs match the code'
	@echo '  ci-containers    the GitHub workflow'"'"'s jobs in Debian 12 containers (debootstrap, podman),'
	@echo '                   as GitHub runs them (JOBS="cells static", BUILDS="6.12-um"); long;'
	@echo '                   PLANTS="uml-tmpdir git-required": fixed defects put back, each must turn its job red'
	@echo '  bench            pagemap-walk against the kernel page-types (ratios); --demo 4k, 1g'
	@echo '  bench-mmu        a guest with the MMU check against it without (GEOMETRY=, default x86_64-la57)'
	@echo '  docs             Documentation/ as HTML (Sphinx, warnings are errors)'
	@echo '  docs-check       Documentation/tests.rst names exactly the tests of the last run'
	@echo '  checkpatch       checkpatch.pl --strict and kernel-doc on the kernel C files'
	@echo '  summary          the table of the results in $(RESULTS)'
	@echo '  kcidb            $(RESULTS)/kcidb.json, the results in KernelCI'"'"'s KCIDB format (every run writes it)'
	@echo '  patch            the series for a tree in $(RESULTS)/patches/<kver>/ (default: every kernel)'
	@echo '  series-check     make patch, then git am, bisect builds, kunit.py, checkpatch, sparse, coccicheck'
	@echo '                   (ALL_TESTS=1: and kunit.py run of KUNIT_ALL_TESTS=y, KernelCI'"'"'s kunit job)'
	@echo '  fixes            the kernel bugs ptwalk found, a fix patch each, in $(RESULTS)/fixes/<kver>/'
	@echo '  fixes-check      each fix proven on its cell: red without it, green with it, red reverted'
	@echo '                   (FIXES="pagemap-offset kunit-vm-mmap-error" for some); long'
	@echo '  series-mutants   one broken kernel rule at a time (long line, SPDX, __user cast): each must fail its check'
	@echo '  mutants          build with one planted bug at a time (walker, debugfs file); every one must fail'
	@echo '  install-kunit    apply the patch series to the tree (uninstall-kunit takes it out)'
	@echo '  tree             fetch and unpack the kernel tree; print its path'
	@echo '  clean            remove what the build and runs made here (distclean: the cache'"'"'s builds too)'
	@echo 'variables: KVER=6.12|6.1  KDIR=/path/to/linux  PTWALK_CACHE=$(PTWALK_CACHE)'

run:
	@$(PTWALK) run

# The closing line, "ptwalk: N passed, N failed, N skipped", is the last one.
check:
	@$(PTWALK) run --check

matrix matrix-full:
	@$(PTWALK) matrix $(CELLS)

matrix-gate:
	@$(PTWALK) matrix --gate

cells:
	@$(PTWALK) cells $(if $(JSON),--json)

kunit:
	@$(PTWALK) kunit $(GEOMETRIES)

guest:
	@$(PTWALK) guest $(GEOMETRIES)

selftests:
	@$(PTWALK) selftests

host-state:
	@$(PTWALK) host-state $(if $(PAIRS),--pairs $(PAIRS))

# Long (kernel builds in containers with an empty cache): not in check.
ci-containers:
	@$(PTWALK) ci-containers $(if $(filter undefined,$(origin JOBS)),,--jobs "$(JOBS)") \
		$(if $(filter undefined,$(origin BUILDS)),,--builds "$(BUILDS)") \
		$(if $(PLANTS),--plants "$(PLANTS)")

pagemap-walk-test:
	@$(PTWALK) pagemap-walk-test

# tools/ptwalk/ptwalk_test.py (python3 -m unittest: cd tools/ptwalk && python3 -m
# unittest ptwalk_test runs it alone) and mypy with kunit.py's settings (mypy.ini).
runner-test:
	@$(PTWALK) runner-test

patch:
	@$(PTWALK) patch

series-check:
	@$(PTWALK) patch --check $(if $(ALL_TESTS),--all-tests)

fixes:
	@$(PTWALK) fixes $(if $(FIXES),--only $(FIXES))

# Long (a kernel build per cell the proofs run on): not in check.
fixes-check:
	@$(PTWALK) fixes --check $(if $(FIXES),--only $(FIXES))

series-mutants:
	@$(PTWALK) series-mutants

checkpatch:
	@$(PTWALK) checkpatch

docs:
	@$(PTWALK) docs

docs-check:
	@$(PTWALK) doccheck

summary:
	@$(PTWALK) summary

kcidb:
	@$(PTWALK) kcidb

mutants:
	@$(PTWALK) mutants $(GEOMETRIES)

tree:
	@$(PTWALK) tree

install-kunit:
	@$(PTWALK) install
	@echo "ptwalk: in the tree run ./tools/testing/kunit/kunit.py run --kunitconfig=mm/ptwalk"

uninstall-kunit:
	@$(PTWALK) uninstall

# The user-space walker needs no kernel tree; its test uses the tree's
# kselftest harness (ptwalk.py pagemap-walk-test passes KSFT=).
pagemap-walk:
	@$(MAKE) --no-print-directory -C tools/pagemap-walk pagemap-walk

bench:
	@$(PTWALK) bench

bench-mmu:
	@$(PTWALK) bench-mmu $(GEOMETRY)

# Nothing here needs a tree, the network or the cache.
clean:
	rm -rf $(RESULTS) Documentation/output tools/ptwalk/__pycache__
	$(MAKE) --no-print-directory -C tools/pagemap-walk clean
	$(MAKE) --no-print-directory -C selftests clean

distclean: clean
	rm -rf $(PTWALK_CACHE)/build $(PTWALK_CACHE)/guest
