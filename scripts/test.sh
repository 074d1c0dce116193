#!/usr/bin/env bash
# Runs every test of every Go module in this repository. The repository has
# several modules on purpose (abi and sdk must not pull host dependencies into
# a plugin author's build), so a plain `go test ./...` at the root would skip
# them. Without arguments it runs exactly what CI runs: -race -count=1 (the
# race detector needs cgo and a C compiler). Arguments replace those flags
# and go to every `go test` (e.g. `scripts/test.sh -run X`, or
# `scripts/test.sh -count=1` without the race detector).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
	set -- -race -count=1
fi
status=0
for mod in $(scripts/modules.sh); do
	echo "== go test $mod"
	if [ "$mod" = . ]; then
		# The hostile-plugin suite measures the healthy route's latency
		# while it attacks a real hostd (a child process, built without the
		# race detector): it runs alone, after the rest, so that other
		# packages' tests do not share its two cores, and without -race,
		# which would only slow its HTTP clients down.
		(go test "$@" $(go list ./... | grep -v /internal/hostile)) || status=1
		hostile=()
		for a in "$@"; do [ "$a" = -race ] || hostile+=("$a"); done
		echo "== go test ${hostile[*]} ./internal/hostile/... (alone)"
		(go test "${hostile[@]}" ./internal/hostile/...) || status=1
		if [ ${#hostile[@]} -ne $# ]; then
			# Allocation counts are not the program's under the race
			# detector (its sync.Pool drops items on purpose): the tests
			# that pin them skip themselves there and run here without it.
			echo "== go test ${hostile[*]} -run Allocations ./host/... (without -race)"
			(go test "${hostile[@]}" -run 'Allocations' ./host/...) || status=1
		fi
	else
		(cd "$mod" && go test "$@" ./...) || status=1
	fi
done
exit $status
