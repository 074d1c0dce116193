#!/usr/bin/env bash
exec "$(dirname "$0")/gen.sh" --check
