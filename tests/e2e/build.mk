# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end test (tests/e2e/run.sh): a real Postfix behind the
# appliance, in network namespaces. Included at the end of the top-level
# Makefile (`-include tests/e2e/build.mk`), after BIN, BUILD and the
# rules of the programs below.
#
#   make e2e        installs what is missing (make deps), builds the
#                   engines and helpers, runs it (as root; < 5 minutes)
#
# `make test` runs it too, through tests/integration/test_e2e.sh.
#
# Included once whichever way: by that line, or by a Makefile that
# includes every */*/build.mk. The test tools live in $(TOOLS) where the
# Makefile defines it (dpctl included), else dpctl in build/test/.

ifndef MXG_E2E_MK
MXG_E2E_MK := 1

E2E_TOOLS := $(or $(TOOLS),$(BUILD)/tools)
E2E_PROGS := $(BIN)/mxgate-dp $(BIN)/mxgate-xdp \
	$(if $(TOOLS),$(TOOLS)/dpctl,$(BUILD)/test/dpctl) \
	$(E2E_TOOLS)/mxg-xdp-pass

# postfix: the MX (installed unconfigured: the test writes its own
# main.cf; preseeded below so that apt asks nothing); swaks and, for its
# IPv6, libio-socket-inet6-perl: the legitimate client. Also used, and
# listed here in case the rest of the tree stops needing them: python3
# (the flooders, tests/e2e/smtpflood.py), jq (the summary JSON),
# iproute2 (namespaces, veths), ethtool, util-linux (nsenter).
DEB_PACKAGES += postfix swaks libio-socket-inet6-perl
DEB_PACKAGES += $(filter-out $(DEB_PACKAGES),python3 jq iproute2 ethtool \
	util-linux)

.PHONY: e2e e2e-run e2e-debconf
e2e: deps
	@$(MAKE) --no-print-directory e2e-run

e2e-run: $(E2E_PROGS)
	@MXG_BIN=$(abspath $(BIN)) MXG_BUILD=$(abspath $(BUILD)) \
		MXG_TOOLS=$(abspath $(E2E_TOOLS)) tests/e2e/run.sh

# Postfix's package asks how to configure it: answer "No configuration"
# before `make deps` installs it, so that the install is non-interactive
# and leaves the machine's own mail setup alone.
deps: e2e-debconf
e2e-debconf:
	@dpkg-query -W -f='$${Status}\n' postfix 2>/dev/null | \
		grep -q '^install ok installed' || { \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		echo "postfix postfix/main_mailer_type select No configuration" | \
			$$sudo debconf-set-selections; }

endif # MXG_E2E_MK
