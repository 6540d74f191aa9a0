# mxgated, the control-plane daemon (README.md in this folder).
mxgated_DIR := control/daemon
mxgated_SRCS := $(wildcard $(mxgated_DIR)/*.c)
mxgated_DEPS := cli ctl xdp policy core
mxgated_LIBS := cli ctl xdp policy core
mxgated_PKGS := libcjson libmicrohttpd libbpf
mxgated_BIN := $(BIN)/mxgated
PROGRAMS += mxgated
SAN_PROGRAMS += mxgated

# The BGP export and sharing (ctld_bgp.c) drive gobgpd through its gobgp
# client; their tests play the router with FRR's bgpd (and vtysh), and the
# offender feeds' test serves the rbldnsd dataset and asks it with dig.
DEB_PACKAGES += gobgpd frr rbldnsd bind9-dnsutils

# mxgated's default --bypass-cmd is the actuator `make install` puts in
# $(LIBEXECDIR) (hw/build.mk: PREFIX), compiled into ctld_opts.c as
# -DMXGATED_BYPASS_CMD. A stamp holding the path rebuilds that object when
# the path changes (make PREFIX=/opt). `make install` installs a copy
# linked for its own PREFIX, $(BUILD)/install/mxgated (INSTALL_RELINKED),
# so that an install never rewrites build/bin/mxgated under running tests.
MXGATED_BYPASS_CMD = $(LIBEXECDIR)/bypass.sh
mxgated_paths_src := $(mxgated_DIR)/ctld_opts.c
mxgated_paths_objs := $(call obj,$(mxgated_paths_src)) \
	$(call san,$(mxgated_paths_src)) $(BUILD)/install/ctld_opts.o
INSTALL_RELINKED += mxgated

$(mxgated_paths_objs): FILE_CFLAGS = \
	-DMXGATED_BYPASS_CMD='"$(MXGATED_BYPASS_CMD)"'
$(call obj,$(mxgated_paths_src)) $(call san,$(mxgated_paths_src)): \
	$(BUILD)/gen/mxgated-paths
$(BUILD)/install/ctld_opts.o: MOD_CFLAGS = $(call mod_cflags,mxgated)

# The path as a file that changes only when the path does.
$(BUILD)/gen/mxgated-paths $(BUILD)/install/mxgated-paths: FORCE
	@mkdir -p $(@D)
	@echo '$(MXGATED_BYPASS_CMD)' | cmp -s - $@ 2>/dev/null || \
		echo '$(MXGATED_BYPASS_CMD)' >$@

$(BUILD)/install/ctld_opts.o: $(mxgated_paths_src) $(BUILD)/install/mxgated-paths
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(MOD_CFLAGS) $(FILE_CFLAGS) -c $< -o $@

$(BUILD)/install/mxgated: $(filter-out $(call obj,$(mxgated_paths_src)), \
		$(call obj,$(mxgated_SRCS))) $(BUILD)/install/ctld_opts.o \
		$(call lib,$(mxgated_LIBS))
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,$(mxgated_PKGS) \
		$(foreach l,$(mxgated_LIBS),$($(l)_PKGS))) -lm -lpthread

.PHONY: FORCE
FORCE:
