#!/usr/bin/env bash
# Builds the `rvemu bench` workloads. Called by firmware/build.sh; reproducible (no build id, no paths).
set -euo pipefail
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
FLAGS="-march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -O2 -ffreestanding -nostdlib -nostartfiles -static -fno-pic -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,link.ld"
for w in integer branchy memory; do
    $CC $FLAGS -o "$w.elf" start.S "$w.c"
done
