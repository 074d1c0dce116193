#!/usr/bin/env bash
# Regenerates testdata/*.wasm from testdata/*.wat with wabt's wat2wasm.
#
#   gen.sh          rewrite every testdata/NAME.wasm from testdata/NAME.wat
#   gen.sh --check  build into a temp dir and exit 1, listing the files, if
#                   a committed .wasm differs from its source, a .wat has no
#                   .wasm or a .wasm has no .wat (CI runs this via check.sh)
#
# Pinned toolchain: wabt 1.0.32 (Debian bookworm's package), run as
# `wat2wasm --debug-names`. Its output is byte-for-byte deterministic for a
# given version; another version may encode the same source differently, so
# the script warns when it is not running 1.0.32.
set -euo pipefail

want_version=1.0.32

cd "$(dirname "$0")/testdata"
if ! command -v wat2wasm >/dev/null; then
	(apt-get update -qq && apt-get install -y -qq wabt) >/dev/null ||
		{ echo "testwasm: wat2wasm not found and wabt could not be installed" >&2; exit 1; }
fi
if [ "$(wat2wasm --version)" != "$want_version" ]; then
	echo "testwasm: warning: wat2wasm $(wat2wasm --version), fixtures are built with $want_version" >&2
fi

check=false
case "${1:-}" in
--check) check=true ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

out=.
if $check; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

shopt -s nullglob
bad=()
for wat in *.wat; do
	wasm="${wat%.wat}.wasm"
	wat2wasm --debug-names "$wat" -o "$out/$wasm"
	if command -v wasm-validate >/dev/null; then
		wasm-validate "$out/$wasm"
	fi
	if $check && ! cmp -s "$out/$wasm" "$wasm"; then
		if [ -f "$wasm" ]; then
			bad+=("$wasm (differs from ${wat})")
		else
			bad+=("$wasm (missing; ${wat} has no .wasm)")
		fi
	fi
done
for wasm in *.wasm; do
	[ -f "${wasm%.wasm}.wat" ] || bad+=("$wasm (no ${wasm%.wasm}.wat source)")
done

if [ ${#bad[@]} -gt 0 ]; then
	echo "testwasm: fixtures out of date; run internal/testwasm/gen.sh:" >&2
	printf '  testdata/%s\n' "${bad[@]}" >&2
	exit 1
fi
