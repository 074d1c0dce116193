#!/usr/bin/env bash
# Builds every built-in plugin (each sub-directory with a main package) to
# dist/NAME.wasm, where NAME is the directory name.
#   build.sh          rebuild dist/
#   build.sh --check  rebuild into a temp dir and fail if dist/ differs
# Builds are reproducible: this script (not go.mod, whose toolchain line would
# also switch plugin authors' go and make TinyGo refuse the module) selects the
# Go toolchain, and -trimpath and an empty build ID remove local paths.
set -euo pipefail
export GOTOOLCHAIN=go1.26.8
cd "$(dirname "$0")"
check=false
[ "${1:-}" = "--check" ] && check=true
out=dist
$check && out=$(mktemp -d)
mkdir -p "$out"
status=0
for dir in */; do
	dir=${dir%/}
	[ "$dir" = dist ] && continue
	ls "$dir"/*.go >/dev/null 2>&1 || continue
	GOOS=wasip1 GOARCH=wasm GOWORK=off go build -buildmode=c-shared -trimpath -ldflags=-buildid= \
		-o "$out/$dir.wasm" "./$dir"
	if $check && ! cmp -s "$out/$dir.wasm" "dist/$dir.wasm"; then
		echo "plugins: dist/$dir.wasm is stale or missing: run plugins/build.sh" >&2
		status=1
	fi
done
if $check; then
	for wasm in dist/*.wasm; do
		[ -e "$wasm" ] || continue
		name=$(basename "$wasm" .wasm)
		[ -d "$name" ] || { echo "plugins: $wasm has no source directory" >&2; status=1; }
	done
	rm -rf "$out"
fi
exit $status
