#!/usr/bin/env bash
# Builds the RvEmu bundled guest (guest.elf) and its disk image (disk.img).
# Called by firmware/build.sh. Reproducible: no build id, no debug info (so no paths),
# fixed file order, and the disk is plain bytes from mkdisk.sh.
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
CC=riscv64-unknown-elf-gcc
CFLAGS=(
    -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
    -O2 -std=gnu11 -ffreestanding -nostdlib -nostartfiles -static -fno-pic
    -fno-stack-protector -fno-common -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer
    -Wall -Wextra -Werror
)
LDFLAGS=(-Wl,-T,link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
SOURCES=(start.S main.c sbi.c console.c string.c fdt.c platform.c frames.c mm.c hal.c plic.c trap.c
    uart.c virtio.c virtio_blk.c bcache.c fat.c bench.c shell.c)

$CC "${CFLAGS[@]}" "${LDFLAGS[@]}" -o guest.elf "${SOURCES[@]}"
./mkdisk.sh disk.img
