#!/usr/bin/env bash
# Builds the WFI idle program and the never-waking WFI case (stale_sstc). Called by firmware/build.sh; reproducible (no build id, fixed object name).
set -euo pipefail
cd "$(dirname "$0")"
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -g0 -c -o wfi.o wfi.S
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -nostdlib -nostartfiles -static \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-N -Wl,-Ttext=0x80000000 -o wfi.elf wfi.o
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -g0 -c -o stale_sstc.o stale_sstc.S
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -nostdlib -nostartfiles -static \
    -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-N -Wl,-Ttext=0x80000000 -o stale_sstc.elf stale_sstc.o
rm -f wfi.o stale_sstc.o
