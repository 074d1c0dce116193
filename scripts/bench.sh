#!/bin/sh
# Runs hostd's load harness (bench/cmd/loadbench) on 127.0.0.1: installs wrk
# from Debian if it is missing, then builds hostd, the native reference
# server and the plugins from this checkout and measures every scenario in
# interleaved rounds (about 4 minutes with the defaults). Flags go to the
# harness: scripts/bench.sh -h lists them; see BENCHMARKS.md.
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench.sh: installing wrk (apt-get install wrk)" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq wrk >/dev/null
fi
exec go run ./bench/cmd/loadbench "$@"
