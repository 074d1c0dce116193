#!/usr/bin/env bash
# Lists the directories of this repository's Go modules, root first.
set -euo pipefail
cd "$(dirname "$0")/.."
echo .
git ls-files --cached --others --exclude-standard -- '*/go.mod' | xargs -r -n1 dirname | sort
