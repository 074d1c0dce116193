#!/usr/bin/env bash
# Runs every test of every Go module in this repository. The repository has
# several modules on purpose (abi and sdk must not pull host dependencies into
# a plugin author's build), so a plain `go test ./...` at the root would skip
# them. Extra arguments go to every `go test` (e.g. -race, -count=1, -run X).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for mod in $(scripts/modules.sh); do
	echo "== go test $mod"
	(cd "$mod" && go test "$@" ./...) || status=1
done
exit $status
