#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# control/policy/policy.schema.json agrees with the compiler on the examples and
# on every good and bad test policy (see policy_schema_check.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
# Debian's python3-jsonschema (make deps) is for /usr/bin/python3; a
# python3 earlier on PATH (pyenv, venv) may not have it.
py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import jsonschema' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	. tests/lib/check.sh
	skip "needs python3-jsonschema (make deps)"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/test/test_policy_good" --dump "$tmp/good"
"$build/test/test_policy_bad" --dump "$tmp/bad"
# The test policies name their set files relative to tests/policy/: copy
# those beside the dumps, so `mxgatectl check` reads the same files.
cp -R tests/policy/. "$tmp/good/"
cp -R tests/policy/. "$tmp/bad/"
exec "$py" tests/integration/policy_schema_check.py \
	control/policy/policy.schema.json "$build/bin/mxgatectl" "$tmp" \
	control/examples/*.json
