#!/usr/bin/env bash
# Builds and runs the in-process benchmarks (Benchmarks/, a separate SwiftPM package that depends
# on the main package by path). Extra arguments go to shipdeck-bench, e.g. `--quick` or `--only filter`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
swift build -c release --package-path "$root/Benchmarks" >&2
exec "$root/Benchmarks/.build/release/shipdeck-bench" "$@"
