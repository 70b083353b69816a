#!/usr/bin/env bash
# Builds the durability guest. Called by firmware/build.sh; reproducible (no build id, no debug info, fixed object names).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
FLAGS="-march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -O2 -g0 -ffreestanding -fno-builtin -ffile-prefix-map=$here/= -Wall -Wextra -Werror"
riscv64-unknown-elf-gcc $FLAGS -c -o "$tmp/start.o" start.S
riscv64-unknown-elf-gcc $FLAGS -c -o "$tmp/durability.o" durability.c
(cd "$tmp" && riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -nostdlib -nostartfiles -static \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T "$here/../common/link.ld" -o durability.elf start.o durability.o)
mv "$tmp/durability.elf" durability.elf
