#!/usr/bin/env bash
# Fails (exit 1, listing the files) if a committed testdata/*.wasm is not
# what gen.sh builds from its .wat. CI runs this.
exec bash "$(dirname "$0")/gen.sh" --check
