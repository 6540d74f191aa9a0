# `make install` (hw/README.md "Installing"): PREFIX (default /usr/local)
# and DESTDIR (a staging root for packages) are honoured.
#
#   $(PREFIX)/bin/                 every program in build/bin/ (mxgate-dp,
#                                  mxgate-xdp, mxgate-replay, mxgatectl,
#                                  mxgated); a program in INSTALL_RELINKED
#                                  from $(BUILD)/install/ instead, linked
#                                  for these paths (mxgated: its default
#                                  --bypass-cmd, $(LIBEXECDIR)/bypass.sh)
#   $(PREFIX)/libexec/mxgate/      bypass.sh and setup.sh, run by mxgated
#                                  and by operators; $(PREFIX)/sbin/
#                                  mxgate-bypass and mxgate-hw-setup link
#                                  to them
#   $(PREFIX)/share/mxgate/        nics.json, examples/ (pristine policies)
#   $(PREFIX)/share/doc/mxgate/    README.md, hw/README.md as hw.md
#   $(UNITDIR)                     mxgate-dp.service, mxgated.service
#   $(SYSCONFDIR)/mxgate/          policy.json (control/examples/
#                                  default.json), drop.txt, mxgate.env:
#                                  only where no such file exists, so an
#                                  operator's edits are never overwritten
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/mxgate
DATADIR ?= $(PREFIX)/share/mxgate
DOCDIR ?= $(PREFIX)/share/doc/mxgate
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install
# Programs that compile an install path in: `make install` links a copy
# of each for its own paths in $(BUILD)/install/NAME and installs that
# one (control/daemon/build.mk), leaving $(BIN)/NAME as it was built.
INSTALL_RELINKED ?=
install_bins = $(filter $(BIN)/%,$(BINARIES))

# Templates (*.in) are filled in with the install paths.
install_subst = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	-e 's|@DATADIR@|$(DATADIR)|g'

# install_new SRC DEST MODE: install SRC as DEST unless DEST exists.
install_new = if [ -e "$(2)" ]; then \
		echo "install: $(2) exists: kept (the new sample is in $(DATADIR)/examples)"; \
	else $(INSTALL) -D -m $(3) "$(1)" "$(2)"; fi

.PHONY: install install-programs
install: install-programs
	@set -e; d='$(DESTDIR)'; \
	for f in $(install_bins); do \
		case " $(INSTALL_RELINKED) " in \
		*" $${f##*/} "*) f=$(BUILD)/install/$${f##*/} ;; \
		esac; \
		$(INSTALL) -D -m 0755 "$$f" "$$d$(BINDIR)/$${f##*/}"; \
	done; \
	for f in bypass.sh setup.sh; do \
		$(INSTALL) -D -m 0755 "hw/$$f" "$$d$(LIBEXECDIR)/$$f"; \
	done; \
	mkdir -p "$$d$(SBINDIR)"; \
	ln -sfnr "$$d$(LIBEXECDIR)/bypass.sh" "$$d$(SBINDIR)/mxgate-bypass"; \
	ln -sfnr "$$d$(LIBEXECDIR)/setup.sh" "$$d$(SBINDIR)/mxgate-hw-setup"; \
	$(INSTALL) -D -m 0644 hw/nics.json "$$d$(DATADIR)/nics.json"; \
	for f in control/examples/*; do \
		$(INSTALL) -D -m 0644 "$$f" "$$d$(DATADIR)/examples/$${f##*/}"; \
	done; \
	$(install_subst) hw/systemd/mxgate.env.in >"$(BUILD)/mxgate.env"; \
	$(INSTALL) -D -m 0644 "$(BUILD)/mxgate.env" "$$d$(DATADIR)/examples/mxgate.env"; \
	for u in mxgate-dp mxgated; do \
		$(install_subst) "hw/systemd/$$u.service.in" >"$(BUILD)/$$u.service"; \
		$(INSTALL) -D -m 0644 "$(BUILD)/$$u.service" "$$d$(UNITDIR)/$$u.service"; \
	done; \
	$(INSTALL) -D -m 0644 README.md "$$d$(DOCDIR)/README.md"; \
	$(INSTALL) -D -m 0644 hw/README.md "$$d$(DOCDIR)/hw.md"; \
	$(INSTALL) -d -m 0750 "$$d$(SYSCONFDIR)/mxgate"; \
	$(call install_new,control/examples/default.json,$$d$(SYSCONFDIR)/mxgate/policy.json,0640); \
	$(call install_new,control/examples/drop.txt,$$d$(SYSCONFDIR)/mxgate/drop.txt,0640); \
	$(call install_new,$(BUILD)/mxgate.env,$$d$(SYSCONFDIR)/mxgate/mxgate.env,0640); \
	echo "install: done under $${d:-/} (PREFIX $(PREFIX)); then: systemctl daemon-reload"

# The programs, built first. BINARIES is complete only once every
# fragment is read, so the list is taken when the recipe runs.
install-programs:
	@$(MAKE) --no-print-directory \
		$(filter-out $(addprefix $(BIN)/,$(INSTALL_RELINKED)),$(install_bins)) \
		$(addprefix $(BUILD)/install/,$(INSTALL_RELINKED))

# hw/bypass.sh: jq, flock and nsenter (util-linux), bpftool (xdp-pass).
DEB_PACKAGES += util-linux
