#!/usr/bin/env bash
# Builds RvEmu's SBI firmware (sbi.elf, sbi.bin) and its S-mode test payload (test/sbitest.elf).
# Called by firmware/build.sh. Reproducible: no build id, no timestamps, relative paths.
set -euo pipefail
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
CFLAGS=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -O2 -ffreestanding -nostdlib
        -nostartfiles -static -fno-builtin -fno-tree-loop-distribute-patterns -fno-stack-protector
        -fno-pic -Wall -Wextra -Werror -Wl,--build-id=none -Wl,--no-warn-rwx-segments)

"$CC" "${CFLAGS[@]}" -T link.ld -o sbi.elf start.S main.c trap.c ecall.c harts.c console.c fdt.c
riscv64-unknown-elf-objcopy -O binary sbi.elf sbi.bin

if [ -d test ]; then
    "$CC" "${CFLAGS[@]}" -T test/link.ld -o test/sbitest.elf test/entry.S test/sbitest.c
fi
