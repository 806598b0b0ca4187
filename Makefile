# FlexCapsule: build everything and run the tests.
#   make deps         install what is needed (Debian 12, as root)
#   make              fcapsule.ko, the fcapsule tool, the library OS + apps
#   make test         style, host unit tests, integration tests on real Xen
#   make demo         the main job: an emulated instance running app VMs
#   make bench        every benchmark (bench-boot, ...), ratios to baselines
#   make shell        a shell in the Dom0 of an emulated instance
# KDIR= builds the module against another kernel tree (default: the Dom0
# kernel's headers, found from what is installed, never `uname -r`).

TOP := $(CURDIR)
O ?= $(TOP)/build
KVER ?= $(shell $(TOP)/scripts/dom0-kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

CC ?= gcc
USR_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
	-I$(TOP)/include -I$(TOP)/usr
USR_PKGS := xenlight xencontrol xenstore xentoollog libnftnl libmnl \
	libnetfilter_queue xlutil
USR_SRCS := $(sort $(wildcard usr/*.c))
USR_OBJS := $(filter-out $(O)/usr/main.o,$(USR_SRCS:%.c=$(O)/%.o))

.PHONY: all kmod usr libos guest benchtools deps test unit integration \
	check-style demo shell bench bench-boot bench-nop bench-napt bench-ipc \
	bench-listen bench-cap bench-fork bench-fair clean

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
		$(CC) -o $@ $^ -Wl,--as-needed $$libs

# Every bench/NAME.c is a Dom0-side benchmark tool, build/bench/NAME.
BENCH_TOOLS := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))

# Every tests/tools/NAME.c is a Dom0-side test tool, build/tests/tools/NAME.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(O)/tests/tools/%,\
	$(wildcard tests/tools/*.c))

benchtools: $(BENCH_TOOLS) $(TEST_TOOLS)

$(O)/tests/tools/%: tests/tools/%.c $(wildcard include/fcapsule/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -std=gnu11 -I$(TOP)/include -o $@ $<

$(O)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	flags=$$(pkg-config --cflags --libs $(USR_PKGS)) && \
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

bench: bench-boot bench-nop bench-napt bench-ipc bench-cap bench-listen \
	bench-fork

bench-boot: all
	scripts/bench-boot $(N) $(REPS)

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

bench-fair: all
	scripts/bench-fair $(FAIR_N)

shell: all
	scripts/fc-instance shell

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	rm -rf $(O)
