# SPDX-License-Identifier: GPL-2.0
#
# Network stack of the library OS, included by libos/Makefile (which
# defines SRC, B, CC, AR, CPPFLAGS, CFLAGS, APPS, APPS_SRC):
#   $(B)/liblwip.a   lwIP's IPv4/TCP core + netif/ethernet.c, from LWIP_DIR
#                    (Debian's source package, unpacked by scripts/deps)
#   $(B)/libfcnet.a  our port (sys_arch), the netif on netfront, sockets
# Both are linked into every app inside one --start-group with libfcos.a;
# only apps that call the sockets API pull any of it in (archive members
# are taken when referenced).  Without lwIP's sources, apps that include
# <sys/socket.h> are skipped with a warning.

ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

LWIP_DIR ?= $(abspath $(SRC)/../.deps/lwip)

NET_CPPFLAGS := -I$(SRC)/net/include -I$(LWIP_DIR)/src/include

LWIP_SRCS := $(wildcard $(LWIP_DIR)/src/core/*.c) \
	$(wildcard $(LWIP_DIR)/src/core/ipv4/*.c) \
	$(LWIP_DIR)/src/netif/ethernet.c
LWIP_OBJS := $(patsubst $(LWIP_DIR)/src/%.c,$(B)/lwip/%.o,$(LWIP_SRCS))

FCNET_SRCS := $(wildcard $(SRC)/net/*.c)
FCNET_OBJS := $(patsubst $(SRC)/%,$(B)/obj/%.o,$(FCNET_SRCS))

ifneq ($(wildcard $(LWIP_DIR)/src/core/tcp.c),)
NET_LIBS := $(B)/libfcnet.a $(B)/liblwip.a
else
NET_APPS := $(notdir $(patsubst %/,%,$(dir $(shell grep -l 'sys/socket.h' \
	$(APPS_SRC)/*/*.c 2>/dev/null))))
$(if $(NET_APPS),$(warning lwIP not found in $(LWIP_DIR) (run scripts/deps): not building $(NET_APPS)))
APPS := $(filter-out $(NET_APPS),$(APPS))
NET_LIBS :=
endif

# lwIP is third-party code: its own warnings are not ours to fix.
$(B)/lwip/%.o: $(LWIP_DIR)/src/%.c | $(B)/xeninc/xen
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(NET_CPPFLAGS) $(CFLAGS) -w -c $< -o $@

$(FCNET_OBJS): CPPFLAGS += $(NET_CPPFLAGS)

$(B)/liblwip.a: $(LWIP_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libfcnet.a: $(FCNET_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

-include $(LWIP_OBJS:.o=.d) $(FCNET_OBJS:.o=.d)
