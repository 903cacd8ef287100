# SPDX-License-Identifier: GPL-2.0
#
# HSX HAL for Linux. The two commands a user needs:
#   make demo    install what is missing, build, boot the simulated board, run the examples
#   make check   install what is missing, build, run every test suite
#
# Everything is built under $(BUILD); nothing is written into the source tree.

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
LIBDIR   ?= $(PREFIX)/lib
INCDIR   ?= $(PREFIX)/include
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
UDEVDIR  ?= /lib/udev/rules.d
SYSUSERSDIR ?= /usr/lib/sysusers.d

VERSION_MAJOR := 0
VERSION_MINOR := 1
VERSION_PATCH := 0
VERSION       := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
SONAME        := libhsx_hal.so.$(VERSION_MAJOR)

# The kernel to build hsx.ko against: the running kernel's build directory,
# else the newest installed Debian 6.1 headers, else any installed headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
                    $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64))) \
                    $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
KREL  = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

CC       ?= cc
# A cross build names its own (dpkg-buildpackage -a passes aarch64-linux-gnu-pkg-config).
PKG_CONFIG ?= pkg-config
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
OPT      ?= -O2 -g
CFLAGS   ?=
SAN      ?=
# CPPFLAGS and LDFLAGS: the builder's (dpkg-buildflags: _FORTIFY_SOURCE, relro, now).
CPPFLAGS ?=
LDFLAGS  ?=
# -fdebug-prefix-map: the debug information names the sources relative to the tree, so an
# object does not depend on where the tree is (ccache, which make check uses, can then
# share it between checkouts: tests/check-all).
UCFLAGS  := $(CSTD) $(WARN) $(OPT) $(SAN) -Iuapi -Ilib/include -Ilib/src $(CPPFLAGS) $(CFLAGS) \
            -fdebug-prefix-map=$(CURDIR)=. -DHSX_VERSION='"$(VERSION)"' \
            $(shell $(PKG_CONFIG) --cflags liburing libmnl 2>/dev/null)
ULIBS    := $(shell $(PKG_CONFIG) --libs liburing libmnl 2>/dev/null || echo -luring -lmnl) -lpthread

# The core in lib/src/core/, each HAL module in lib/src/<module>/, their table in lib/src/modules.c.
LIB_SRCS := $(wildcard lib/src/*.c lib/src/*/*.c)
LIB_HDRS := $(wildcard lib/include/*.h lib/src/*/*.h) uapi/hsx_uapi.h uapi/hsxd_proto.h
OBJDIR   := $(BUILD)/obj$(if $(SAN),-san)
LIB_OBJS := $(patsubst lib/src/%.c,$(OBJDIR)/lib/%.o,$(LIB_SRCS))
LIB_A    := $(BUILD)/lib/libhsx_hal.a
# The module descriptors (lib/src/core/module.h): constant data and pure functions that a
# program linking the shared library compiles in to know every module (hsxctl).
LIB_MODULE_SRCS := lib/src/modules.c lib/src/core/module.c lib/src/core/module_sel.c \
                   lib/src/core/module_sel_can.c lib/src/core/module_sel_fram.c \
                   lib/src/core/module_sel_fs.c \
                   lib/src/core/wire_attr.c $(wildcard lib/src/*/*_module.c)
LIB_SO   := $(BUILD)/lib/libhsx_hal.so.$(VERSION)

# hsxctl speaks the daemon's words (capspec) and protocol (proto) for its cap commands, and
# knows every module from the descriptors, compiled in (the shared library does not export them).
HSXCTL_SRCS := $(wildcard tools/hsxctl/*.c) daemon/capspec.c daemon/proto.c $(LIB_MODULE_SRCS)
HSXCTL      := $(BUILD)/hsxctl
# Programs are compiled to objects, then linked: each source once (hsxctl and hsxd-client share
# theirs, every e2e test e2e.c's), and a compile a cache can answer (make check's ccache).
# The objects of hsxctl and hsxd-client: the library's headers and the daemon's (-Idaemon).
PROG_OBJ    = $(patsubst %.c,$(OBJDIR)/prog/%.o,$(1))
HSXCTL_OBJS := $(call PROG_OBJ,$(HSXCTL_SRCS))

HSXD        := $(BUILD)/daemon/hsxd
HSXD_CFLAGS := -Idaemon $(shell $(PKG_CONFIG) --cflags libconfig libsystemd 2>/dev/null)
HSXD_LIBS   := $(shell $(PKG_CONFIG) --libs libconfig libsystemd 2>/dev/null || echo -lconfig -lsystemd)
HSXD_HDRS   := $(wildcard daemon/*.h) uapi/hsxd_proto.h uapi/hsx_uapi.h lib/src/core/netlink.h \
               lib/src/core/wire.h lib/src/core/wire_attr.h lib/src/core/module.h \
               lib/include/hsx_mailbox.h
HSXD_OBJS   := $(patsubst daemon/%.c,$(OBJDIR)/daemon/%.o,$(wildcard daemon/*.c))
# The daemon's unit tests fake the process, its event loop, syslog, the kernel's ioctls and
# rtnetlink (can_link.c: test_can_link.c includes it).
HSXD_CORE_OBJS := $(filter-out $(addprefix $(OBJDIR)/daemon/,main.o server.o log.o admin.o can_link.o), \
                  $(HSXD_OBJS))
# test_server.c includes server.c to drive its loop.
HSXD_TEST_DEPS := daemon/tests/fake.c daemon/tests/fake.h daemon/server.c \
                  tests/e2e/helpers/hsxd_client.c
# hsxd's and hsxctl's unit tests know one module more than any release: the kernel's test
# module (kmod/tests/dummy.c), from lib/tests/dummy_module.c in a table built with
# HSX_TEST_MODULES, linked ahead of the archive's (so the archive's table is not used).
TEST_MODULE_OBJS := $(OBJDIR)/test-modules/modules.o $(OBJDIR)/test-modules/dummy_module.o

EXAMPLES    := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
E2E_TESTS   := $(patsubst tests/e2e/%.c,$(BUILD)/e2e/%,$(filter-out tests/e2e/e2e.c,$(wildcard tests/e2e/*.c))) \
               $(patsubst tests/e2e/%.sh,$(BUILD)/e2e/%,$(wildcard tests/e2e/*.sh))
BENCHES     := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
UNIT_TESTS  := $(patsubst lib/tests/%.c,$(BUILD)/unit/%,$(wildcard lib/tests/test_*.c)) \
               $(patsubst daemon/tests/test_%.c,$(BUILD)/unit/test_hsxd_%,$(wildcard daemon/tests/test_*.c))

# Programs run inside the VM link the shared library by absolute rpath-free
# name; the VM harness copies every library they need into the guest.
# A package's programs find the library where the system keeps it: debian/rules
# empties APP_RPATH and HSXCTL_RPATH.
APP_RPATH   ?= -Wl,-rpath,'$$ORIGIN/../lib'
HSXCTL_RPATH ?= -Wl,-rpath,'$$ORIGIN/lib'
APP_LDFLAGS := -L$(BUILD)/lib $(APP_RPATH) $(LDFLAGS)

.PHONY: all module lib tools daemon examples e2e bench bench-rt bench-trace bench-trace-gpio bench-stamps-gpio bench-build unit install uninstall deps check \
        demo kunit vm-stock vm-debug vm-rpi module-matrix checkpatch format format-check clean distclean

all: lib tools daemon module examples

# ---- kernel module --------------------------------------------------------

KMOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*/*.[ch]) uapi/hsx_uapi.h

# Each kernel gets its own copy of the sources, so several builds never share objects.
# The copy is synced by content (rsync --checksum, no times kept): a file that changed is
# written anew, so it is newer than its object whatever its time in the checkout (cp -p kept
# an older time, and kbuild then used the stale object); one that did not keeps its time, so
# the build stays incremental; a source gone from kmod/ goes from the copy (Kbuild compiles
# every kmod/*/*.c). Objects are not sources and are left alone. A copy made before (by cp -p:
# no .hsx-synced) may hold such stale times already, and is made anew.
# scripts/kbuild-fixed: the same path in every checkout when make check asks for it.
# Warnings are errors here (Kbuild: HSX_WERROR=y), not in the DKMS build users get.
HSX_WERROR ?= y
module:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "hsx: no kernel build directory; set KDIR= or run 'make deps'" >&2; exit 1; }
	@test -n "$(KREL)" || { echo "hsx: $(KDIR) has no include/config/kernel.release (not a prepared kernel build directory)" >&2; exit 1; }
	@test -f $(BUILD)/module/$(KREL)/.hsx-synced || rm -rf $(BUILD)/module/$(KREL)
	@mkdir -p $(BUILD)/module/$(KREL)/kmod $(BUILD)/module/$(KREL)/uapi
	@rsync -r --checksum Kbuild $(BUILD)/module/$(KREL)/
	@rsync -r --checksum --delete --include='*/' --include='*.[ch]' --exclude='*' \
		kmod/ $(BUILD)/module/$(KREL)/kmod/
	@rsync -r --checksum uapi/hsx_uapi.h $(BUILD)/module/$(KREL)/uapi/
	@touch $(BUILD)/module/$(KREL)/.hsx-synced
	$(CURDIR)/scripts/kbuild-fixed $(BUILD)/module/$(KREL) \
		$(MAKE) -C $(KDIR) M=@DIR@ HSX_WERROR=$(HSX_WERROR) modules
	@cp $(BUILD)/module/$(KREL)/hsx.ko $(BUILD)/hsx.ko
	@echo "hsx: built $(BUILD)/module/$(KREL)/hsx.ko"

# The DKMS source tree (dkms/dkms.conf): what /usr/src/hsx-$(VERSION) holds.
# `dkms add $(BUILD)/dkms-src/hsx-$(VERSION)` takes it as is; debian/rules installs it.
DKMS_SRC ?= $(BUILD)/dkms-src/hsx-$(VERSION)
.PHONY: dkms-src
dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/kmod $(DKMS_SRC)/uapi
	cp -p Kbuild $(DKMS_SRC)/
	cp -pr kmod/*.c $(filter-out kmod/tests/,$(wildcard kmod/*/)) $(DKMS_SRC)/kmod/
	cp -p uapi/hsx_uapi.h $(DKMS_SRC)/uapi/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms/dkms.conf > $(DKMS_SRC)/dkms.conf

# ---- user-space library -----------------------------------------------------

lib: $(LIB_A) $(LIB_SO)

$(OBJDIR)/lib/%.o: lib/src/%.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -fPIC -fvisibility=hidden -DHSX_BUILDING_LIB -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) lib/src/libhsx_hal.map
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/src/libhsx_hal.map \
		-Wl,-z,defs $(LDFLAGS) -o $@ $(LIB_OBJS) $(ULIBS) $(SAN)
	ln -sf libhsx_hal.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/lib/libhsx_hal.so

# ---- tools, examples, tests ---------------------------------------------------

tools: $(HSXCTL)

$(OBJDIR)/prog/%.o: %.c $(wildcard tools/hsxctl/*.h) $(HSXD_HDRS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -Idaemon -c $< -o $@

$(HSXCTL): $(HSXCTL_OBJS) $(LIB_SO)
	$(CC) $(UCFLAGS) -o $@ $(HSXCTL_OBJS) $(APP_LDFLAGS) $(HSXCTL_RPATH) -lhsx_hal $(ULIBS)

# hsxctl with the library's archive linked in, for a machine without libhsx_hal.so: the
# emulated Pi of tests/rpi/run cross-builds it (CC=aarch64-linux-gnu-gcc, LDFLAGS=-L...).
$(BUILD)/hsxctl-standalone: $(HSXCTL_OBJS) $(LIB_A)
	$(CC) $(UCFLAGS) -o $@ $(HSXCTL_OBJS) $(LIB_A) $(LDFLAGS) $(ULIBS)

# ---- the capability daemon -------------------------------------------------------------

daemon: $(HSXD)

$(OBJDIR)/daemon/%.o: daemon/%.c $(HSXD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(HSXD_CFLAGS) -c $< -o $@

# The library's netlink plumbing comes from its static archive (only what is used).
$(HSXD): $(HSXD_OBJS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(LDFLAGS) -o $@ $(HSXD_OBJS) $(LIB_A) $(HSXD_LIBS) $(ULIBS)

examples: $(EXAMPLES)
# The spec's GPIO example, as given, calls hsx_timer_sleep_ms() without hsx_timer.h and
# leaves two callback parameters unused.
$(BUILD)/examples/gpio_interrupt: EXAMPLE_CFLAGS := -include hsx_timer.h -Wno-unused-parameter
$(BUILD)/examples/%: examples/%.c $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(EXAMPLE_CFLAGS) -o $@ $< $(APP_LDFLAGS) -lhsx_hal $(ULIBS)

# hsxd's end-to-end test needs the daemon and a client beside it (in a subdirectory: not tests).
E2E_HELPERS := $(BUILD)/e2e/helpers/hsxd $(BUILD)/e2e/helpers/hsxd-client \
               $(BUILD)/e2e/helpers/vm-setup $(BUILD)/host/uart-peer \
               $(BUILD)/e2e/helpers/hsxctl_test.sh
# The far end of the VM's USB serial adapter, run on the host by tests/vm/run.
$(BUILD)/host/uart-peer: tests/vm/uart_peer.c
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $<

e2e: $(E2E_TESTS) $(E2E_HELPERS)
E2E_C_TESTS := $(patsubst tests/e2e/%.c,$(BUILD)/e2e/%,$(filter-out tests/e2e/e2e.c,$(wildcard tests/e2e/*.c)))
E2E_OBJS    := $(patsubst tests/e2e/%.c,$(OBJDIR)/e2e/%.o,$(wildcard tests/e2e/*.c))
$(E2E_OBJS): $(OBJDIR)/e2e/%.o: tests/e2e/%.c $(wildcard tests/e2e/*.h) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -Itests/e2e -c $< -o $@
$(E2E_C_TESTS): $(BUILD)/e2e/%: $(OBJDIR)/e2e/%.o $(OBJDIR)/e2e/e2e.o $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $< $(OBJDIR)/e2e/e2e.o $(APP_LDFLAGS) -lhsx_hal $(ULIBS) -lcmocka

$(BUILD)/e2e/%: tests/e2e/%.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# What the hsxctl shell tests share: sourced, not run (not executable).
$(BUILD)/e2e/helpers/hsxctl_test.sh: tests/e2e/helpers/hsxctl_test.sh
	@mkdir -p $(dir $@)
	install -m 644 $< $@

# The host's jq beside the tests (scripts/deps installs it): the hsxctl shell tests parse
# --json with it, and the VM has no JSON parser of its own.
JQ := $(or $(shell command -v jq 2>/dev/null),/usr/bin/jq)
e2e: $(BUILD)/e2e/helpers/jq
$(BUILD)/e2e/helpers/jq: $(JQ)
	@mkdir -p $(dir $@)
	install -m 755 $< $@

# The host's strace beside the tests, when it has one: test_hsxctl_uart watches with it that
# hsxctl does not open what is not a tty (without it, that check is skipped).
STRACE := $(shell command -v strace 2>/dev/null)
ifneq ($(STRACE),)
e2e: $(BUILD)/e2e/helpers/strace
$(BUILD)/e2e/helpers/strace: $(STRACE)
	@mkdir -p $(dir $@)
	install -m 755 $< $@
endif

# systemd's socket-activation launcher beside the tests: test_hsxd.sh starts hsxd through it,
# as hsxd.socket does (LISTEN_FDS), in the VM that has no systemd of its own.
SOCKET_ACTIVATE := $(or $(shell command -v systemd-socket-activate 2>/dev/null),/usr/bin/systemd-socket-activate)
e2e: $(BUILD)/e2e/helpers/systemd-socket-activate
$(BUILD)/e2e/helpers/systemd-socket-activate: $(SOCKET_ACTIVATE)
	@mkdir -p $(dir $@)
	install -m 755 $< $@

$(BUILD)/e2e/helpers/vm-setup: tests/e2e/helpers/vm_setup.c
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $<

# The e2e tests' hsxd: the daemon with its test hooks (HSXD_TEST_HOOKS: main.c reads
# HSXD_TEST_REVOKE_IN_CAN_CONFIG), which the installed hsxd has not.
$(OBJDIR)/daemon-test/main.o: daemon/main.c $(HSXD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(HSXD_CFLAGS) -DHSXD_TEST_HOOKS -c $< -o $@

$(BUILD)/e2e/helpers/hsxd: $(OBJDIR)/daemon-test/main.o $(filter-out %/main.o,$(HSXD_OBJS)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(LDFLAGS) -o $@ $^ $(HSXD_LIBS) $(ULIBS)

HSXD_CLIENT_OBJS := $(call PROG_OBJ,tests/e2e/helpers/hsxd_client.c daemon/capspec.c daemon/proto.c \
		    $(LIB_MODULE_SRCS))
$(BUILD)/e2e/helpers/hsxd-client: $(HSXD_CLIENT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $(HSXD_CLIENT_OBJS) $(ULIBS)

# The structured fuzzer (tests/fuzz, issue 12): an e2e helper that test_fuzz.sh runs bounded;
# `make fuzz` runs it long (FUZZ_CALLS, FUZZ_SEED, FUZZ_THREADS) on the debug kernel with KCOV
# (tests/vm/build-kernel --flavour kcov) and reports hsx.ko's coverage (tests/fuzz/kcov-report).
FUZZ := $(BUILD)/e2e/helpers/hsx_fuzz
FUZZ_CALLS ?= 1000000
FUZZ_SEED ?= 1
FUZZ_THREADS ?= 2
# More of hsx_fuzz's options: a report's reproducer's --steps N (with FUZZ_CALLS=0).
FUZZ_ARGS ?=
.PHONY: fuzz
e2e: $(FUZZ)
# The engine and the core, timer, GPIO and UART tables in hsx_fuzz.c; CAN's part in fuzz_can.c,
# FRAM's in fuzz_fram.c, FS's in fuzz_fs.c.
FUZZ_SRCS := tests/fuzz/hsx_fuzz.c tests/fuzz/fuzz_can.c tests/fuzz/fuzz_fram.c tests/fuzz/fuzz_fs.c \
	tests/fuzz/fuzz_kcov.c tests/fuzz/fuzz_fail.c
FUZZ_OBJS := $(patsubst tests/fuzz/%.c,$(OBJDIR)/fuzz/%.o,$(FUZZ_SRCS))
$(FUZZ_OBJS): $(OBJDIR)/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h uapi/hsx_uapi.h
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c $< -o $@
$(FUZZ): $(FUZZ_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $(FUZZ_OBJS) $(ULIBS)
fuzz: $(FUZZ)
	rm -rf $(BUILD)/fuzz && mkdir -p $(BUILD)/fuzz/bin && cp $(FUZZ) $(BUILD)/fuzz/bin/
	printf '#!/bin/sh\nexec /tests/fuzz/bin/hsx_fuzz --kcov --seed %s --calls %s --threads %s %s\n' \
		$(FUZZ_SEED) $(FUZZ_CALLS) $(FUZZ_THREADS) '$(FUZZ_ARGS)' > $(BUILD)/fuzz/hsx_fuzz && \
		chmod +x $(BUILD)/fuzz/hsx_fuzz
	HSX_VM_TEST_TIMEOUT=86400 tests/vm/run --kernel kcov --timeout 90000 --extra $(BUILD)/fuzz --results fuzz
	kdir=$$(tests/vm/build-kernel --flavour kcov | tail -n1) && \
		tests/fuzz/kcov-report $(BUILD)/fuzz.log \
			$(BUILD)/module/$$(cat $$kdir/include/config/kernel.release)/hsx.ko

# Benchmarks run in the VM, side by side with their peer baseline: the timer, the
# capability check, UART (with the board's vm-setup), CAN (vcan), FRAM (the simulated part) and
# FS (a tmpfs, ext4 on a loop device) on
# Debian's stock kernel; GPIO
# and the driver model on the bench kernel (the test kernel without its checkers: the
# stock kernel has no gpio-sim), with a test build of hsx.ko (the dummy module's instances).
BENCH_STOCK := timer_jitter cap_check uart_vs_termios can_vs_raw fram_vs_nvmem fs_vs_openat2
BENCH_SIM   := gpio_vs_libgpiod driver_model
# The stock kernel's benches, with the board's vm-setup, staged in directory $(1).
define stage_bench_stock
	rm -rf $(1)
	mkdir -p $(1)/helpers
	cp $(addprefix $(BUILD)/bench/,$(BENCH_STOCK)) $(1)/
	cp $(BUILD)/e2e/helpers/vm-setup $(1)/helpers/
endef
bench: all bench-build $(BUILD)/e2e/helpers/vm-setup
	$(call stage_bench_stock,$(BUILD)/bench-stock)
	rm -rf $(BUILD)/bench-sim
	mkdir -p $(BUILD)/bench-sim
	cp $(addprefix $(BUILD)/bench/,$(BENCH_SIM)) $(BUILD)/bench-sim/
	tests/vm/run --kernel stock --extra $(BUILD)/bench-stock --results bench-stock
	HSX_VM_TEST_MODULES=1 tests/vm/run --kernel bench --extra $(BUILD)/bench-sim --results bench-sim
# The same benches on Debian's PREEMPT_RT 6.1 kernel (tests/vm/run --kernel rt; scripts/deps --rt
# fetches it on first use). Not part of `bench`: the kernel is fetched only when asked for. It
# has no gpio-sim: GPIO and the driver model have no RT run.
bench-rt: all bench-build $(BUILD)/e2e/helpers/vm-setup
	$(call stage_bench_stock,$(BUILD)/bench-rt)
	HSX_VM_TEST_TIMEOUT=$${HSX_VM_TEST_TIMEOUT:-600} tests/vm/run --kernel rt --timeout 1800 \
		--extra $(BUILD)/bench-rt --results bench-rt

# Where a timer event's time goes (issue 17): timer_jitter under ftrace on the stock kernel, each
# expiry of hsx's and timerfd's hrtimer followed to the read() that returns it
# (tests/bench/timer_trace, timer_trace.awk). KERNEL=rt for the RT kernel.
bench-trace: all bench-build
	rm -rf $(BUILD)/bench-trace
	mkdir -p $(BUILD)/bench-trace/bin $(BUILD)/bench-trace/lib
	cp $(BUILD)/bench/timer_jitter $(BUILD)/bench-trace/bin/
	cp tests/bench/timer_trace $(BUILD)/bench-trace/
	cp tests/bench/trace_common.awk tests/bench/timer_trace.awk $(BUILD)/bench-trace/lib/
	HSX_VM_TEST_TIMEOUT=$${HSX_VM_TEST_TIMEOUT:-600} tests/vm/run --kernel $(or $(KERNEL),stock) \
		--timeout 1800 --extra $(BUILD)/bench-trace --results bench-trace

# The same for a GPIO edge (tests/bench/gpio_trace, gpio_trace.awk): gpio_vs_libgpiod under ftrace
# on the bench kernel, each edge followed from the pull's write() to the application's callback
# or libgpiod's read().
bench-trace-gpio: all bench-build
	rm -rf $(BUILD)/bench-trace-gpio
	mkdir -p $(BUILD)/bench-trace-gpio/bin $(BUILD)/bench-trace-gpio/lib
	cp $(BUILD)/bench/gpio_vs_libgpiod $(BUILD)/bench-trace-gpio/bin/
	cp tests/bench/gpio_trace $(BUILD)/bench-trace-gpio/
	cp tests/bench/trace_common.awk tests/bench/gpio_trace.awk $(BUILD)/bench-trace-gpio/lib/
	HSX_VM_TEST_TIMEOUT=$${HSX_VM_TEST_TIMEOUT:-600} tests/vm/run --kernel bench \
		--timeout 1800 --extra $(BUILD)/bench-trace-gpio --results bench-trace-gpio

# Each GPIO side's edge latency split at the read() that returns the edge, by the TSC and without
# tracing (tests/bench/gpio_stamps, gpio_stamps.awk): gpio_vs_libgpiod with
# tests/bench/stamps/read_stamps.c preloaded, on the bench kernel.
bench-stamps-gpio: all bench-build
	rm -rf $(BUILD)/bench-stamps-gpio
	mkdir -p $(BUILD)/bench-stamps-gpio/bin $(BUILD)/bench-stamps-gpio/lib
	cp $(BUILD)/bench/gpio_vs_libgpiod $(BUILD)/bench-stamps-gpio/bin/
	cp $(BUILD)/bench/read_stamps.so $(BUILD)/bench-stamps-gpio/lib/
	cp tests/bench/gpio_stamps $(BUILD)/bench-stamps-gpio/
	cp tests/bench/trace_common.awk tests/bench/gpio_stamps.awk $(BUILD)/bench-stamps-gpio/lib/
	HSX_VM_TEST_TIMEOUT=$${HSX_VM_TEST_TIMEOUT:-900} tests/vm/run --kernel bench \
		--timeout 1800 --extra $(BUILD)/bench-stamps-gpio --results bench-stamps-gpio

bench-build: $(BENCHES) $(BUILD)/bench/read_stamps.so $(BUILD)/bench/stamps_stand_in \
	     $(BUILD)/bench/stamps_stand_in_fortify
# A preloaded library, and the stand-in its tests (tests/bench/stamps/run) preload it into:
# without $(SAN), whose runtime would have to come first in the process.
$(BUILD)/bench/read_stamps.so: tests/bench/stamps/read_stamps.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl
$(BUILD)/bench/stamps_stand_in: tests/bench/stamps/stand_in.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -U_FORTIFY_SOURCE $(CPPFLAGS) $(CFLAGS) -o $@ $< -lpthread
$(BUILD)/bench/stamps_stand_in_fortify: tests/bench/stamps/stand_in.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 $(CPPFLAGS) $(CFLAGS) -o $@ $< \
		-lpthread
BENCH_OBJS := $(patsubst tests/bench/%.c,$(OBJDIR)/bench/%.o,$(wildcard tests/bench/*.c))
$(BENCH_OBJS): $(OBJDIR)/bench/%.o: tests/bench/%.c $(wildcard tests/e2e/*.h) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -c $< -o $@
$(BENCHES): $(BUILD)/bench/%: $(OBJDIR)/bench/%.o $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $< $(APP_LDFLAGS) -lhsx_hal $(ULIBS) -lgpiod -lm

# Unit tests link the library's objects directly so they can test internals.
unit: $(UNIT_TESTS)
# test_uart_peer includes the VM's host-side serial peer.
$(OBJDIR)/unit/test_uart_peer.o: tests/vm/uart_peer.c
$(OBJDIR)/test-modules/modules.o: lib/src/modules.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -DHSX_TEST_MODULES -c $< -o $@
$(OBJDIR)/test-modules/dummy_module.o: lib/tests/dummy_module.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -DHSX_TEST_MODULES -c $< -o $@

# hsxd's tests and their fake (daemon/tests/fake.c, compiled once). The example policy's
# absolute path only where it is used: the other objects stay the same from any checkout.
HSXD_UNIT_TESTS := $(filter $(BUILD)/unit/test_hsxd_%,$(UNIT_TESTS))
HSXD_UNIT_OBJS  := $(patsubst daemon/tests/%.c,$(OBJDIR)/unit-hsxd/%.o,$(wildcard daemon/tests/*.c))
$(OBJDIR)/unit-hsxd/test_policy.o $(OBJDIR)/unit-hsxd/test_server.o: \
	HSXD_POLICY_DEF := -DHSXD_EXAMPLE_POLICY='"$(abspath daemon/policy.conf.example)"'
$(HSXD_UNIT_OBJS): $(OBJDIR)/unit-hsxd/%.o: daemon/tests/%.c $(HSXD_TEST_DEPS) $(wildcard daemon/*.c) \
		$(HSXD_HDRS) $(LIB_HDRS) $(HSXCTL_SRCS) $(wildcard tools/hsxctl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) $(HSXD_CFLAGS) -DHSX_TEST_MODULES -Idaemon/tests -Itools/hsxctl \
		$(HSXD_POLICY_DEF) -c $< -o $@
$(HSXD_UNIT_TESTS): $(BUILD)/unit/test_hsxd_%: $(OBJDIR)/unit-hsxd/test_%.o $(OBJDIR)/unit-hsxd/fake.o \
		$(HSXD_CORE_OBJS) $(LIB_A) $(TEST_MODULE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $< $(OBJDIR)/unit-hsxd/fake.o $(TEST_MODULE_OBJS) $(HSXD_CORE_OBJS) \
		$(LIB_A) $(HSXD_LIBS) $(ULIBS) -lcmocka

# A test that stands in for a function of the library's own (ld --wrap): its link flags.
UNIT_LDFLAGS_test_uart       := -Wl,--wrap=hsx_mailbox_set_callback_ex
UNIT_LDFLAGS_test_dispatcher := -Wl,--wrap=clock_gettime
UNIT_LDFLAGS_test_dispatcher_solo := -Wl,--wrap=ioctl -Wl,--wrap=read -Wl,--wrap=preadv2 \
	-Wl,--wrap=hsx_dispatch_quiesce
LIB_UNIT_TESTS := $(filter-out $(HSXD_UNIT_TESTS),$(UNIT_TESTS))
LIB_UNIT_OBJS  := $(patsubst lib/tests/%.c,$(OBJDIR)/unit/%.o,$(wildcard lib/tests/test_*.c))
$(LIB_UNIT_OBJS): $(OBJDIR)/unit/%.o: lib/tests/%.c $(wildcard lib/tests/*.h) $(LIB_SRCS) $(LIB_HDRS) \
		$(HSXCTL_SRCS) $(wildcard tools/hsxctl/*.h) $(HSXD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -Idaemon -Ilib/tests -c $< -o $@
$(LIB_UNIT_TESTS): $(BUILD)/unit/%: $(OBJDIR)/unit/%.o $(LIB_OBJS) $(OBJDIR)/daemon/capspec.o
	@mkdir -p $(dir $@)
	$(CC) $(UCFLAGS) -o $@ $< $(LIB_OBJS) $(OBJDIR)/daemon/capspec.o $(ULIBS) -lcmocka \
		$(UNIT_LDFLAGS_$*)

# ---- install ---------------------------------------------------------------------

install: lib tools daemon
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)/hsx $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/hsx $(DESTDIR)$(UDEVDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	install -m 644 lib/include/hsx_*.h uapi/hsx_uapi.h $(DESTDIR)$(INCDIR)/hsx/
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libhsx_hal.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libhsx_hal.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' lib/hsx_hal.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/hsx_hal.pc
	install -m 755 $(HSXCTL) $(DESTDIR)$(BINDIR)/hsxctl
	install -m 644 tools/hsxctl/hsxctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 755 $(HSXD) $(DESTDIR)$(SBINDIR)/hsxd
	install -m 644 daemon/hsxd.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|' daemon/hsxd.service > $(DESTDIR)$(UNITDIR)/hsxd.service
	install -m 644 daemon/hsxd.socket $(DESTDIR)$(UNITDIR)/
	install -m 644 udev/60-hsx.rules $(DESTDIR)$(UDEVDIR)/
	install -m 644 udev/hsx.sysusers $(DESTDIR)$(SYSUSERSDIR)/hsx.conf
	install -m 644 daemon/policy.conf.example $(DESTDIR)$(SYSCONFDIR)/hsx/
	@if [ -f $(BUILD)/hsx.ko ]; then \
		install -d $(DESTDIR)/lib/modules/$(KREL)/extra && \
		install -m 644 $(BUILD)/hsx.ko $(DESTDIR)/lib/modules/$(KREL)/extra/ && \
		{ [ -n "$(DESTDIR)" ] || depmod -a $(KREL) || true; }; \
	fi

uninstall:
	rm -rf $(DESTDIR)$(INCDIR)/hsx
	rm -f $(DESTDIR)$(LIBDIR)/libhsx_hal.* $(DESTDIR)$(LIBDIR)/pkgconfig/hsx_hal.pc \
		$(DESTDIR)$(BINDIR)/hsxctl $(DESTDIR)$(MANDIR)/man1/hsxctl.1 \
		$(DESTDIR)$(SBINDIR)/hsxd $(DESTDIR)$(MANDIR)/man8/hsxd.8 $(DESTDIR)$(UNITDIR)/hsxd.service \
		$(DESTDIR)$(UNITDIR)/hsxd.socket $(DESTDIR)$(UDEVDIR)/60-hsx.rules \
		$(DESTDIR)$(SYSUSERSDIR)/hsx.conf $(DESTDIR)$(SYSCONFDIR)/hsx/policy.conf.example

# ---- Debian packages ----------------------------------------------------------------

# hsx-dkms, libhsx-hal0, libhsx-hal-dev, hsx-tools and hsxd (debian/), each architecture's
# built from a copy of the tree: the machine's into $(DEB_DIR), arm64's (cross-built,
# dpkg-buildpackage -aarm64) into $(DEB_DIR)/arm64, each directory a whole set (hsx-dkms,
# Architecture: all, in both). DEB_ARCHS=amd64 (or arm64) builds one. The arm64 build needs
# crossbuild-essential-arm64 and the build dependencies :arm64: `scripts/deps --deb-arm64`.
DEB_DIR   ?= $(BUILD)/deb
DEB_HOST  := $(shell dpkg --print-architecture 2>/dev/null)
DEB_ARCHS ?= $(DEB_HOST) $(filter-out $(DEB_HOST),arm64)
deb_dir    = $(if $(filter $(1),$(DEB_HOST)),$(DEB_DIR),$(DEB_DIR)/$(1))
DEB_CHANGES = $(foreach a,$(DEB_ARCHS),$(call deb_dir,$(a))/hsx_$(VERSION)_$(a).changes)
DEB_TARGETS := $(addprefix deb-,$(sort $(DEB_HOST) arm64 $(DEB_ARCHS)))
.PHONY: deb lintian $(DEB_TARGETS)
deb: $(addprefix deb-,$(DEB_ARCHS))
	@ls $(foreach a,$(DEB_ARCHS),$(call deb_dir,$(a))/*.deb)

$(DEB_TARGETS): deb-%:
	rm -rf $(call deb_dir,$*)/hsx-$(VERSION)
	mkdir -p $(call deb_dir,$*)/hsx-$(VERSION)
	rsync -a --filter=':- .gitignore' --exclude=/.git --exclude='/build*' ./ $(call deb_dir,$*)/hsx-$(VERSION)/
	cd $(call deb_dir,$*)/hsx-$(VERSION) && dpkg-buildpackage -us -uc -b \
		$(if $(filter-out $(DEB_HOST),$*),-a$*) || \
		{ $(if $(filter-out $(DEB_HOST),$*),echo "hsx: the $* packages failed to build (if for unmet build dependencies: scripts/deps --deb-arm64, as root, installs them)" >&2;) exit 1; }
	rm -rf $(call deb_dir,$*)/hsx-$(VERSION)

# Lintian on what `make deb` built: each override in debian/*.lintian-overrides says why.
lintian:
	lintian --fail-on error,warning --info --display-info $(DEB_CHANGES)

# ---- the two README commands -----------------------------------------------------

deps:
	scripts/deps

# make check builds the arm64 packages and boots the Pi on 6.12 too: their dependencies are
# installed first, before any suite runs (apt changing the host beside a running VM is no test).
check:
	scripts/deps --deb-arm64 --rpi-6.12 --stock-6.12 --rt
	tests/check-all

demo: deps
	$(MAKE) all
	tests/vm/demo

# ---- individual suites (tests/check-all runs them all) -----------------------------

kunit:
	tests/kunit/run

vm-stock: all e2e
	tests/vm/run --kernel stock --extra $(BUILD)/e2e

vm-debug: all e2e
	tests/vm/run --kernel debug --extra $(BUILD)/e2e

# The device-tree binding on an emulated Raspberry Pi 3; cross-builds its own hsx.ko.
vm-rpi:
	tests/rpi/run

CHECKPATCH ?= $(firstword $(wildcard /var/cache/hsx/linux-source-6.1/scripts/checkpatch.pl))
# A file found clean from the same inputs before is not checked again (scripts/checkpatch-cached).
checkpatch:
	@test -n "$(CHECKPATCH)" || { echo "hsx: checkpatch.pl not found; run make deps" >&2; exit 1; }
	scripts/checkpatch-cached $(CHECKPATCH) --strict --no-tree --terse --show-types -f \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES \
		-- kmod/*.c kmod/*/*.[ch] uapi/hsx_uapi.h

CLANG_FORMAT ?= clang-format
# hsx_hal_types.h and hsx_timer.h keep the specification's text as it was given.
USER_C := $(wildcard lib/src/*.c lib/src/*/*.[ch] lib/include/hsx_mailbox.h lib/include/hsx_cap.h \
                     lib/tests/*.[ch] tools/hsxctl/*.[ch] daemon/*.[ch] daemon/tests/*.[ch] \
                     examples/*.c tests/e2e/*.[ch] tests/e2e/helpers/*.c tests/vm/*.c tests/bench/*.c \
                     tests/bench/stamps/*.c \
                     tests/rpi/*.[ch])
USER_C += $(wildcard tests/fuzz/*.[ch])
format:
	$(CLANG_FORMAT) -i $(USER_C)
format-check:
	$(CLANG_FORMAT) --dry-run --Werror $(USER_C)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf /var/cache/hsx/kernel-* /var/cache/hsx/kunit-*
