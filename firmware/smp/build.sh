#!/usr/bin/env bash
# Builds the multi-hart conformance program (smp.elf). Called by firmware/build.sh; reproducible: no
# build id, no debug info, and objects with fixed names (the driver's temporary names would land in
# the symbol table).
set -euo pipefail
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
CFLAGS=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -O2 -g0 -ffreestanding -fno-builtin
        -fno-stack-protector -fno-pic -Wall -Wextra -Werror -I ../common)
"$CC" "${CFLAGS[@]}" -c -o start.o start.S
"$CC" "${CFLAGS[@]}" -c -o smp.o smp.c
"$CC" "${CFLAGS[@]}" -nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -T ../common/link.ld -o smp.elf start.o smp.o
rm -f start.o smp.o
