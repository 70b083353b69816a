#!/usr/bin/env bash
# Builds the `rvemu bench` workloads. Called by firmware/build.sh; reproducible: no build id, and
# every object gets a fixed name (the driver's temporary names would land in the symbol table).
set -euo pipefail
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
CFLAGS="-march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -O2 -ffreestanding -fno-pic -g0"
LDFLAGS="-nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,link.ld"
$CC $CFLAGS -c -o start.o start.S
for w in integer branchy memory oscalls coremark calls; do
    $CC $CFLAGS -c -o "$w.o" "$w.c"
    $CC $CFLAGS $LDFLAGS -o "$w.elf" start.o "$w.o"
    rm -f "$w.o"
done
# Multi-hart workload: its own entry (a stack per hart) and the shared FDT hart counter.
$CC $CFLAGS -c -o start-smp.o start-smp.S
$CC $CFLAGS -I ../common -c -o parallel.o parallel.c
$CC $CFLAGS $LDFLAGS -o parallel.elf start-smp.o parallel.o
rm -f start.o start-smp.o parallel.o
