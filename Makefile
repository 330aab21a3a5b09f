# SPDX-License-Identifier: GPL-2.0
#
# ptwalk: prove how virtual memory maps to physical memory, from both sides
# of the kernel boundary. 'make help' lists the targets.
#
# KVER=6.12 (default) or 6.1 picks a Debian linux-source tree, unpacked once
# into $(PTWALK_CACHE); KDIR=/path/to/linux uses a tree you already have.

SHELL := /bin/bash
PTWALK_CACHE ?= $(HOME)/.cache/ptwalk
RESULTS ?= $(CURDIR)/results
export PTWALK_CACHE RESULTS KDIR KVER

T := $(CURDIR)/tools

# The geometries each target runs (see config/geometry/).
KUNIT_UM_GEOMETRIES := um
KUNIT_QEMU_GEOMETRIES := x86_64 x86_64-la57
GUEST_GEOMETRIES := x86_64 x86_64-la57

# The kernel x geometry cells 'make check' gates on (make matrix-gate): both
# kernels on UML and on x86_64 4- and 5-level, KUnit and in-guest selftests.
# The arm64 cells (each a cross build of 7-12 min cold) run in make matrix.
GATE_CELLS := 6.12:um 6.12:x86_64 6.12:x86_64-la57 6.1:um 6.1:x86_64 6.1:x86_64-la57

.PHONY: help run check tests kunit kunit-qemu selftests summary tree \
	install-kunit uninstall-kunit checkpatch mutants tool tool-test bench \
	docs docs-check matrix matrix-full matrix-gate selftests-qemu clean distclean

help:
	@echo 'ptwalk targets:'
	@echo '  run              the gating matrix cells, host selftests, tool tests, summarised'
	@echo '  check            everything CI gates on (= .ci/run): checkpatch, docs, run, docs-check'
	@echo '  kunit            KUnit suites under UML'
	@echo '  kunit-qemu       KUnit suites on x86_64 under QEMU, 4-level and 5-level boots'
	@echo '  selftests        pagemap kselftests on this machine (make -C selftests run_tests)'
	@echo '  selftests-qemu   pagemap kselftests inside the x86_64 kernel, 4-level and 5-level boots'
	@echo '  tool             build tools/pagemap-walk (the user-space walker)'
	@echo '  tool-test        its tests, also under ASan/UBSan'
	@echo '  bench            the seed experiment (--demo 4k, --demo 1g) and pagemap read speed'
	@echo '  docs             Documentation/ as HTML (Sphinx, warnings are errors)'
	@echo '  docs-check       Documentation/tests.rst names exactly the tests of the last run'
	@echo '  summary          table of the results in $(RESULTS)'
	@echo '  checkpatch       checkpatch.pl --strict and kernel-doc on the kernel C files'
	@echo '  matrix           every kernel x geometry cell, KUnit + in-guest selftests (CELLS="6.1:um ...")'
	@echo '  matrix-full      the same as matrix: every cell, arm64 included'
	@echo '  matrix-gate      the cells make check gates on: $(GATE_CELLS)'
	@echo '  mutants          build the suites with one walker bug at a time; every one must fail'
	@echo '  install-kunit    link kunit/ into the tree as mm/ptwalk (uninstall-kunit undoes it)'
	@echo '  tree             fetch and unpack the kernel tree; print its path'
	@echo '  clean            remove results/ (distclean: also the build dirs in the cache)'
	@echo 'variables: KVER=6.12|6.1  KDIR=/path/to/linux  PTWALK_CACHE=$(PTWALK_CACHE)'

# Every suite, continuing past failures; the exit status says if any failed.
# With KDIR= or KVER= the one tree given, else the gating cells of the matrix.
tests:
	@rm -f $(RESULTS)/*.json $(RESULTS)/*.log $(RESULTS)/*.tap $(RESULTS)/*.xml
	@rc=0; \
	if [ -n "$(KDIR)$(KVER)" ]; then \
		$(MAKE) --no-print-directory kunit || rc=1; \
		$(MAKE) --no-print-directory kunit-qemu || rc=1; \
		$(MAKE) --no-print-directory selftests-qemu || rc=1; \
	else \
		$(MAKE) --no-print-directory matrix-gate || rc=1; \
	fi; \
	$(MAKE) --no-print-directory selftests || rc=1; \
	$(MAKE) --no-print-directory tool-test || rc=1; \
	exit $$rc

run:
	@rc=0; $(MAKE) --no-print-directory tests || rc=1; \
	echo; $(T)/ptwalk-summary $(RESULTS) || rc=1; \
	exit $$rc

# The summary comes last: its closing line is the run's last line.
check: checkpatch docs
	@rc=0; $(MAKE) --no-print-directory tests || rc=1; \
	$(MAKE) --no-print-directory docs-check || rc=1; \
	echo; $(T)/ptwalk-summary $(RESULTS) || rc=1; \
	exit $$rc

kunit:
	$(T)/ptwalk-kunit $(KUNIT_UM_GEOMETRIES)

kunit-qemu:
	$(T)/ptwalk-kunit $(KUNIT_QEMU_GEOMETRIES)

selftests-qemu:
	$(T)/ptwalk-kunit --build $(GUEST_GEOMETRIES)
	$(T)/ptwalk-guest $(GUEST_GEOMETRIES)

selftests:
	@$(T)/ptwalk-deps selftests
	@mkdir -p $(RESULTS)
	@set -o pipefail; $(MAKE) --no-print-directory -C selftests run_tests 2>&1 | \
		tee $(RESULTS)/selftests-host.tap

matrix matrix-full:
	@$(T)/ptwalk-matrix $(CELLS)

matrix-gate:
	@$(T)/ptwalk-matrix $(GATE_CELLS)

mutants:
	$(T)/ptwalk-mutants $(KUNIT_UM_GEOMETRIES) $(KUNIT_QEMU_GEOMETRIES)

# The user-space walker, built like the selftests (-Wall -Wextra -Werror)
# from the one pagemap helper; its test uses the tree's kselftest harness.
TOOL_CFLAGS := -O2 -g -Wall -Wextra -Werror
TOOL_SRCS := tools/pagemap-walk.c selftests/pagemap.c
TOOL_HDRS := selftests/pagemap.h
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

tool: tools/pagemap-walk

tools/pagemap-walk: $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) -o $@ $(TOOL_SRCS)

tools/pagemap-walk-asan: $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) $(SANITIZE) -o $@ $(TOOL_SRCS)

tools/pagemap-walk-test: tools/pagemap-walk-test.c selftests/pagemap.c selftests/vm_env.c $(TOOL_HDRS)
	@$(T)/ptwalk-deps selftests
	$(CC) $(TOOL_CFLAGS) -isystem $$($(T)/ptwalk-tree)/tools/testing/selftests \
		-o $@ $(filter %.c,$^)

tool-test: tools/pagemap-walk tools/pagemap-walk-asan tools/pagemap-walk-test
	@mkdir -p $(RESULTS)
	@rc=0; for bin in pagemap-walk pagemap-walk-asan; do \
		echo "# tools/pagemap-walk-test with tools/$$bin"; \
		PAGEMAP_WALK=tools/$$bin ASAN_OPTIONS=detect_leaks=1 \
			tools/pagemap-walk-test > $(RESULTS)/tool-$$bin.tap 2>&1 || rc=1; \
		grep -E '^(not ok|# Totals)' $(RESULTS)/tool-$$bin.tap; \
	done; exit $$rc

bench: tools/pagemap-walk
	tools/pagemap-walk --demo 4k
	tools/pagemap-walk --demo 1g

docs:
	@$(T)/ptwalk-deps docs
	PTWALK_KTREE=$$($(T)/ptwalk-tree) sphinx-build -q -W --keep-going -b html \
		Documentation Documentation/output
	@echo "ptwalk: documentation in Documentation/output/index.html"

docs-check:
	@$(T)/ptwalk-doccheck $(RESULTS) Documentation/tests.rst

summary:
	@$(T)/ptwalk-summary $(RESULTS)

tree:
	@$(T)/ptwalk-tree

install-kunit:
	@$(T)/ptwalk-install install "$$($(T)/ptwalk-tree)"
	@echo "ptwalk: installed; in the tree run ./tools/testing/kunit/kunit.py run --kunitconfig=mm/ptwalk"

uninstall-kunit:
	@$(T)/ptwalk-install uninstall "$$($(T)/ptwalk-tree)"

# Kernel style: checkpatch --strict and kernel-doc warnings on kunit/.
# compat.h is the one file allowed its LINUX_VERSION_CODE test: it exists to
# hold it (and goes away when the suite is merged into one kernel version).
CHECKPATCH_FILES := $(filter-out kunit/compat.h,$(wildcard kunit/*.c kunit/*.h))
checkpatch:
	@tree=$$($(T)/ptwalk-tree) && \
	perl $$tree/scripts/checkpatch.pl --no-tree --strict --quiet \
		-f $(CHECKPATCH_FILES) && \
	perl $$tree/scripts/checkpatch.pl --no-tree --strict --quiet \
		--ignore LINUX_VERSION_CODE -f kunit/compat.h && \
	out=$$(perl $$tree/scripts/kernel-doc -Wall -none kunit/ptwalk.h kunit/ptwalk.c 2>&1) && \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi && \
	echo "ptwalk: checkpatch --strict and kernel-doc -Wall: kunit/ is clean"

clean:
	rm -rf $(RESULTS) Documentation/output tools/pagemap-walk tools/pagemap-walk-asan \
		tools/pagemap-walk-test
	$(MAKE) -C selftests clean

distclean: clean
	rm -rf $(PTWALK_CACHE)/build
