#!/bin/sh
# Build the FP firmware in this directory reproducibly (no build id, no debug info, no timestamps).
# The ELFs are committed beside their sources; regenerate the test vectors with generate.sh.
set -eu
cd "$(dirname "$0")"
CC=riscv64-unknown-elf-gcc
COMMON="-march=rv64imafdc_zicsr -mabi=lp64d -mcmodel=medany -nostdlib -nostartfiles -ffreestanding -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T link.ld"
$CC $COMMON -O2 -Wall -Wextra -fno-builtin -o gen.elf start.S gen.c
$CC $COMMON -O2 -Wall -Wextra -fno-builtin -fno-math-errno -o fpbench.elf start.S fpbench.c
$CC $COMMON -o fp_conformance.elf fp_conformance.S
