#!/usr/bin/env bash
# Builds the GDB stub tests' target with debug info (-g). Called by firmware/build.sh; reproducible:
# no build id, fixed object names, and the build directory mapped away from the DWARF paths.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
CC=riscv64-unknown-elf-gcc
CFLAGS="-march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -O1 -ffreestanding -fno-pic -g -ffile-prefix-map=$here=firmware/gdb"
LDFLAGS="-nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,../bench/link.ld"
$CC $CFLAGS -g0 -c -o start.o start.S   # the entry needs no debug info (and as would record the build directory)
$CC $CFLAGS -c -o target.o target.c
$CC $CFLAGS $LDFLAGS -o target.elf start.o target.o
rm -f start.o target.o
