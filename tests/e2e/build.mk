# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end test (tests/e2e/run.sh): a real Postfix behind the
# appliance, in network namespaces.
#
#   make e2e        installs what is missing (make deps), builds the
#                   engines and helpers, runs it (as root; < 5 minutes)
#
# `make test` runs it too, through tests/integration/test_e2e.sh.

E2E_PROGS := $(BIN)/mxgate-dp $(BIN)/mxgate-xdp $(TOOLS)/dpctl \
	$(TOOLS)/mxg-xdp-pass

# postfix: the MX (installed unconfigured: the test writes its own
# main.cf; preseeded below so that apt asks nothing); swaks and, for its
# IPv6, libio-socket-inet6-perl: the legitimate client. python3 runs the
# flooders (tests/e2e/smtpflood.py).
DEB_PACKAGES += postfix swaks libio-socket-inet6-perl

.PHONY: e2e e2e-run e2e-debconf
e2e: deps
	@$(MAKE) --no-print-directory e2e-run

e2e-run: $(E2E_PROGS)
	@tests/e2e/run.sh

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
