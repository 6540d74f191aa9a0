# SPDX-License-Identifier: BSD-3-Clause
# A private Postfix instance for the e2e test (sourced by run.sh).
#
# Everything lives under one directory: main.cf/master.cf, the queue,
# the data directory, the mail log (maillog_file, through postlogd, so
# no syslog is needed) and the mailbox, a maildir that the virtual(8)
# agent fills for every recipient of example.test. No chroot, no DNS:
# clients are logged as unknown[ADDR]. Postfix itself limits nothing
# (smtpd_client_connection_rate_limit = 0), so what reaches it is what
# the appliance let through; anvil still counts every client and logs,
# every second, the highest connection rate of the last second
# ("statistics: max connection rate N/1s for (smtp:ADDR)").
#
#   pf_setup DIR NETNS LISTEN...   write the configuration
#   pf_start / pf_stop             start and stop it (inside NETNS)
#   pf_delivered PATTERN           messages in the mailbox matching PATTERN
#   pf_log                         the mail log

PF_DIR=
PF_NS=

pf_setup() {
	local dir=$1 ns=$2 listen
	shift 2
	listen=$(printf '%s, ' "$@")
	listen=${listen%, }
	PF_DIR=$dir
	PF_NS=$ns
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail/inbox"
	# postfix (queue, data) and nobody (the mailbox) work below it.
	chmod 755 "$dir" "$dir/etc" "$dir/mail"
	chown postfix "$dir/data"
	chown -R nobody:nogroup "$dir/mail/inbox"
	cat >"$dir/etc/main.cf" <<-CONF
		compatibility_level = 3.6
		queue_directory = $dir/queue
		data_directory = $dir/data
		maillog_file_prefixes = $dir
		maillog_file = $dir/maillog
		myhostname = mx.example.test
		mydomain = example.test
		myorigin = \$myhostname
		mydestination =
		inet_interfaces = $listen
		inet_protocols = all
		mynetworks = 127.0.0.0/8
		smtpd_peername_lookup = no
		smtp_dns_support_level = disabled
		smtpd_banner = \$myhostname ESMTP
		biff = no
		smtputf8_enable = no
		append_dot_mydomain = no
		alias_maps =
		alias_database =
		local_recipient_maps =
		relayhost =
		default_transport = error:no outbound mail from the e2e MX
		virtual_mailbox_domains = example.test
		virtual_mailbox_base = $dir/mail
		virtual_mailbox_maps = static:inbox/
		virtual_uid_maps = static:$(id -u nobody)
		virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)
		virtual_minimum_uid = 1
		smtpd_recipient_restrictions = permit_auth_destination, reject
		# No limit in Postfix: it sees what the appliance passes. Any
		# non-zero limit keeps smtpd reporting every client to anvil.
		smtpd_client_connection_rate_limit = 0
		smtpd_client_connection_count_limit = 1000
		smtpd_client_event_limit_exceptions =
		anvil_rate_time_unit = 1s
		anvil_status_update_time = 1s
		default_process_limit = 200
		smtpd_timeout = 20s
		queue_run_delay = 1s
		minimal_backoff_time = 1s
		maximal_backoff_time = 2s
	CONF
	cat >"$dir/etc/master.cf" <<-'CONF'
		smtp      inet  n       -       n       -       -       smtpd
		pickup    unix  n       -       n       60      1       pickup
		cleanup   unix  n       -       n       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		rewrite   unix  -       -       n       -       -       trivial-rewrite
		bounce    unix  -       -       n       -       0       bounce
		defer     unix  -       -       n       -       0       bounce
		trace     unix  -       -       n       -       0       bounce
		verify    unix  -       -       n       -       1       verify
		flush     unix  n       -       n       1000?   0       flush
		proxymap  unix  -       -       n       -       -       proxymap
		showq     unix  n       -       n       -       -       showq
		error     unix  -       -       n       -       -       error
		retry     unix  -       -       n       -       -       error
		discard   unix  -       -       n       -       -       discard
		virtual   unix  -       n       n       -       -       virtual
		anvil     unix  -       -       n       -       1       anvil
		scache    unix  -       -       n       -       1       scache
		postlog   unix-dgram n  -       n       -       1       postlogd
	CONF
}

pf() {
	ip netns exec "$PF_NS" postfix -c "$PF_DIR/etc" "$@"
}

pf_start() {
	# start checks the installation and makes the queue's directories.
	if ! pf start >"$PF_DIR/start.log" 2>&1; then
		cat "$PF_DIR/start.log" "$PF_DIR/maillog" 2>/dev/null
		return 1
	fi
}

pf_stop() {
	[ -n "$PF_DIR" ] && [ -f "$PF_DIR/etc/main.cf" ] || return 0
	pf stop >/dev/null 2>&1
	pf abort >/dev/null 2>&1 || true
}

pf_log() {
	cat "$PF_DIR/maillog" 2>/dev/null
}

# pf_delivered PATTERN: messages in the mailbox whose text matches PATTERN.
pf_delivered() {
	local n
	n=$(grep -rlE -- "$1" "$PF_DIR/mail/inbox/new" "$PF_DIR/mail/inbox/cur" \
		2>/dev/null | wc -l)
	echo "$n"
}
