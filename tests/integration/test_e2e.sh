#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The end-to-end test (tests/e2e/run.sh: Postfix behind mxgate-dp and
# mxgate-xdp, in network namespaces) as one of `make check`'s
# integration tests. It needs root: exits 77 (skipped) otherwise.
. "$(dirname "$0")/../lib/check.sh"
need_root "network namespaces"
exec "$(dirname "$0")/../e2e/run.sh"
