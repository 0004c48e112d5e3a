#!/bin/sh
# The arm64 (NEON) run of tests/cross_qemu.sh:  sh tests/neon_qemu.sh [build-dir]
exec sh "$(dirname "$0")/cross_qemu.sh" aarch64 "${1:-build/neon}"
