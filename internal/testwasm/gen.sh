#!/usr/bin/env bash
# Regenerates testdata/*.wasm from testdata/*.wat with wabt's wat2wasm.
#   gen.sh          rewrite the .wasm files
#   gen.sh --check  rebuild into a temp dir and fail if any committed .wasm
#                   differs from its source (CI runs this)
# Fixtures were generated with wabt 1.0.32 (Debian bookworm); wat2wasm output
# is deterministic for a given version.
set -euo pipefail
cd "$(dirname "$0")/testdata"
if ! command -v wat2wasm >/dev/null; then
	(apt-get update -qq && apt-get install -y -qq wabt) >/dev/null
fi
check=false
[ "${1:-}" = "--check" ] && check=true
out=.
$check && out=$(mktemp -d)
status=0
for wat in *.wat; do
	wasm="${wat%.wat}.wasm"
	wat2wasm --debug-names "$wat" -o "$out/$wasm"
	if $check && ! cmp -s "$out/$wasm" "$wasm"; then
		echo "testwasm: $wasm is stale or missing: run internal/testwasm/gen.sh" >&2
		status=1
	fi
done
for wasm in *.wasm; do
	[ -f "${wasm%.wasm}.wat" ] || { echo "testwasm: $wasm has no .wat source" >&2; status=1; }
done
$check && rm -rf "$out"
exit $status
