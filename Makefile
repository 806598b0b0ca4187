# FlexCapsule: build everything and run the tests.
#   make deps         install what is needed (Debian 12, as root)
#   make              fcapsule.ko, the fcapsule tool, the library OS + apps
#   make test         style, host unit tests, integration tests on real Xen
#   make demo         the main job: an emulated instance running app VMs
#   make bench        every benchmark (bench-boot, ...), ratios to baselines
#   make shell        a shell in the Dom0 of an emulated instance
#   make install      the tool, its service, images, man page and the
#                     module's DKMS source, for an installed system
#   make deb          the same as Debian packages (fcapsule, fcapsule-dkms)
# KDIR= builds the module against another kernel tree (default: the Dom0
# kernel's headers, found from what is installed, never `uname -r`).

TOP := $(CURDIR)
O ?= $(TOP)/build
KVER ?= $(shell $(TOP)/scripts/dom0-kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

CC ?= gcc
# FC_LAYOUT=system: the paths of an installed system, never the tree's.
FC_LAYOUT ?= tree
USR_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
	-I$(TOP)/include -I$(TOP)/usr $(if $(filter system,$(FC_LAYOUT)),-DFC_SYSTEM=1) \
	$(FC_EXTRA_CFLAGS)
USR_PKGS := xenlight xencontrol xenstore xentoollog libnftnl libmnl \
	libnetfilter_queue libcrypto libsystemd xlutil
VERSION := $(shell sed -n 's/^\#define FC_VERSION "\(.*\)"/\1/p' usr/fc.h)
USR_SRCS := $(sort $(wildcard usr/*.c))
USR_OBJS := $(filter-out $(O)/usr/main.o,$(USR_SRCS:%.c=$(O)/%.o))

.PHONY: all kmod usr libos guest benchtools deps test unit integration \
	check-style demo demo-migrate shell bench bench-boot bench-nop bench-napt bench-ipc \
	bench-listen bench-cap bench-fork bench-migrate bench-fair clean man install \
	install-tool install-dkms deb

all: kmod usr libos guest benchtools

kmod:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run 'make deps' or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

usr: $(O)/usr/fcapsule

$(O)/usr/%.o: usr/%.c $(wildcard usr/*.h include/fcapsule/*.h)
	@mkdir -p $(dir $@)
	cflags=$$(pkg-config --cflags $(USR_PKGS)) && \
		$(CC) $(USR_CFLAGS) $$cflags -c -o $@ $<

# Everything but main() also goes into libfc.a, which the unit tests link.
$(O)/usr/libfc.a: $(USR_OBJS)
	rm -f $@ && ar rcs $@ $^

$(O)/usr/fcapsule: $(O)/usr/main.o $(O)/usr/libfc.a
	libs=$$(pkg-config --libs $(USR_PKGS)) && \
		$(CC) $(FC_EXTRA_LDFLAGS) -o $@ $^ -Wl,--as-needed $$libs

# The manual page, printed by the tool from its command table.
man: $(O)/fcapsule.8

$(O)/fcapsule.8: $(O)/usr/fcapsule
	$< help --man >$@

# Every bench/NAME.c is a Dom0-side benchmark tool, build/bench/NAME.
BENCH_TOOLS := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))

# Every tests/tools/NAME.c is a Dom0-side test tool, build/tests/tools/NAME.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,\
	$(wildcard tests/tools/*.c))

benchtools: $(BENCH_TOOLS) $(TEST_TOOLS)

$(O)/tests/tools/%: tests/tools/%.c $(wildcard include/fcapsule/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -std=gnu11 -I$(TOP)/include -o $@ $<

# bootmark builds domains without libxl: libxenguest, event channels and
# foreign mappings directly.
BENCH_PKGS = $(USR_PKGS)
$(O)/bench/bootmark: BENCH_PKGS = xencontrol xenguest xenevtchn \
	xenforeignmemory

$(O)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	flags=$$(pkg-config --cflags --libs $(BENCH_PKGS)) && \
		$(CC) -O2 -g -Wall -Wextra -std=gnu11 -I$(TOP)/include -o $@ $< \
		-Wl,--as-needed $$flags

# These use the OS server's own code (libfc.a: usr/napt.c, usr/net.c), so
# that a baseline differs from the path it is compared with only where it
# is meant to; linuxlisten also the library OS's sample summary.
BENCH_FC_TOOLS := $(O)/bench/xslisten $(O)/bench/linuxlisten

$(BENCH_FC_TOOLS): $(O)/bench/%: bench/%.c $(O)/usr/libfc.a \
		$(wildcard usr/*.h include/fcapsule/*.h)
	@mkdir -p $(dir $@)
	flags=$$(pkg-config --cflags --libs $(USR_PKGS)) && \
		$(CC) $(USR_CFLAGS) -I$(TOP)/libos/include -o $@ \
		$(filter %.c,$^) $(O)/usr/libfc.a -Wl,--as-needed $$flags

$(O)/bench/linuxlisten: libos/lib/stats.c

libos:
	@if [ -f libos/Makefile ]; then $(MAKE) -C libos O=$(O); fi

guest:
	scripts/mkguest-linux $(O)/guest

deps:
	scripts/deps

check-style:
	tests/check-style

unit: usr
	tests/run-unit

integration: all
	tests/run-integration $(TESTS)

test: all
	tests/run $(TESTS)

demo: all
	scripts/demo

demo-migrate: all
	scripts/demo-migrate

bench: bench-boot bench-nop bench-napt bench-ipc bench-cap bench-listen \
	bench-fork

bench-boot: all
	scripts/bench-boot $(N) $(REPS) $(PHASE_REPS)

bench-nop: all
	scripts/bench-nop $(RING_N) $(XS_N)

bench-napt: all
	scripts/bench-napt

bench-ipc: all
	scripts/bench-ipc

bench-cap: all
	scripts/bench-cap $(CAP_ITER) $(CAP_REPS)

bench-listen: all
	scripts/bench-listen $(LISTEN_N)

bench-fork: all
	scripts/bench-fork $(FORK_REPS)

# Migration between two instances (docs/migrate.md): MIG_REPS repetitions,
# MIG_APP_SIZES / MIG_LINUX_SIZES (MB) to run fewer sizes.
MIG_REPS ?= 10
MIG_APP_SIZES ?= 4 8 16 32
MIG_LINUX_SIZES ?= 96 128 256
bench-migrate: all
	scripts/bench-migrate $(MIG_REPS) "$(MIG_APP_SIZES)" "$(MIG_LINUX_SIZES)"

# FAIR_N round trips per case; FAIR_PIN=pinned: each on a CPU of its own
FAIR_N ?= 2000

bench-fair: all
	scripts/bench-fair $(FAIR_N) $(FAIR_PIN)

shell: all
	scripts/fc-instance shell

# Installed layout (docs/usage.md, "Installed").  The tool is built again
# under $(O)/system with FC_LAYOUT=system.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= /lib/systemd/system
APP_IMAGES ?= hello sleeper httpd echod forker cpuloop ipctest
DKMS_SRC := $(DESTDIR)/usr/src/fcapsule-$(VERSION)

install:
	$(MAKE) O=$(O)/system FC_LAYOUT=system usr libos man
	$(MAKE) O=$(O)/system FC_LAYOUT=system install-tool install-dkms

install-tool:
	install -D -m 0755 $(O)/usr/fcapsule $(DESTDIR)$(SBINDIR)/fcapsule
	install -D -m 0755 scripts/vif-fcapsule \
		$(DESTDIR)/etc/xen/scripts/vif-fcapsule
	install -d $(DESTDIR)$(PREFIX)/lib/fcapsule/images \
		$(DESTDIR)$(PREFIX)/share/doc/fcapsule/examples
	install -m 0644 $(addprefix $(O)/apps/,$(APP_IMAGES)) \
		$(DESTDIR)$(PREFIX)/lib/fcapsule/images/
	install -D -m 0644 $(O)/fcapsule.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/fcapsule.8
	install -D -m 0644 dist/fcapsule.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/fcapsule
	install -D -m 0644 dist/fcapsule.service \
		$(DESTDIR)$(UNITDIR)/fcapsule.service
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/fcapsule/
	if [ -d examples ]; then install -m 0644 examples/*.cfg \
		$(DESTDIR)$(PREFIX)/share/doc/fcapsule/examples/; fi

# The module's source for DKMS; without DESTDIR also built and installed
# for the running kernel (when dkms is there).
install-dkms:
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/include/fcapsule
	install -m 0644 Kbuild $(DKMS_SRC)/
	install -m 0644 kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/
	install -m 0644 include/fcapsule/*.h $(DKMS_SRC)/include/fcapsule/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dist/dkms.conf >$(DKMS_SRC)/dkms.conf
	install -D -m 0644 dist/modules-load.conf \
		$(DESTDIR)$(PREFIX)/lib/modules-load.d/fcapsule.conf
	if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null; then \
		dkms install fcapsule/$(VERSION); fi

# Debian packages from a copy of the tree (the tree itself stays clean):
# $(DEB_DIR)/fcapsule_*.deb and fcapsule-dkms_*.deb, checked by lintian.
DEB_DIR ?= $(O)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/fcapsule-$(VERSION)
	git ls-files -z | xargs -0 cp --parents -t $(DEB_DIR)/fcapsule-$(VERSION)
	git ls-files -z --others --exclude-standard | \
		xargs -0 -r cp --parents -t $(DEB_DIR)/fcapsule-$(VERSION)
	ln -s $(TOP)/.deps $(DEB_DIR)/fcapsule-$(VERSION)/.deps
	cd $(DEB_DIR)/fcapsule-$(VERSION) && dpkg-buildpackage -b -us -uc
	lintian --fail-on error $(DEB_DIR)/*.changes

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(O)
