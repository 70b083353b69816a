#!/bin/sh
# Rebuild every firmware binary in the repository, reproducibly (running it twice gives
# byte-identical files, which check-reproducible.sh verifies against git).
#   1. firmware/tests/*.S  -> firmware/tests/*.elf (plus HTIF variants listed below)
#   2. firmware/tests/objdump.golden.txt: `objdump -d -M no-aliases` of every test ELF
#   3. firmware/tests/rvc-space.golden.txt.gz: objdump's reading of every 16-bit encoding
#   4. every other firmware/*/build.sh
# Needs Debian's gcc-riscv64-unknown-elf and binutils-riscv64-unknown-elf, and (for the guest's FAT
# disk, firmware/guest/mkdisk.sh) dosfstools and mtools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
OBJDUMP=${RISCV_OBJDUMP:-riscv64-unknown-elf-objdump}
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0

# No debug info; paths are relative and mapped anyway, so the build directory never leaks in.
ASFLAGS="-mabi=lp64 -mcmodel=medany -Wa,-mpriv-spec=1.12 -ffile-prefix-map=$here/= -fdebug-prefix-map=$here/= -g0 -I common"
LDFLAGS="-nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T $here/common/link.ld"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The ISA a test is assembled for: a line "// march: ..." in the source, else rv64gc.
march_of() {
    sed -n 's|^// march: *\([a-z0-9_]*\).*|\1|p' "$1" | head -n 1 | grep . || echo rv64gc
}

# Assemble, then link from inside the temporary directory: the linker records the object's name
# in the symbol table, so it must not be gcc's random temporary name or an absolute path.
build_test() { # source output extra-flags...
    src=$1 out=$2
    shift 2
    obj=$(basename "${out%.elf}").o
    march=$(march_of "$src")
    # shellcheck disable=SC2086
    $CC -march="$march" $ASFLAGS "$@" -c -o "$tmp/$obj" "$src"
    # shellcheck disable=SC2086
    (cd "$tmp" && $CC -march="$march" -mabi=lp64 $LDFLAGS -o "$obj.elf" "$obj")
    mv "$tmp/$obj.elf" "$out"
}

cd "$here"
for src in tests/*.S; do
    build_test "$src" "${src%.S}.elf"
done
# The HTIF exit path (QEMU virt has no HTIF: run-qemu.sh checks these on QEMU's spike machine).
build_test tests/rv64m.S tests/rv64m-htif.elf -DEXIT_VIA_HTIF

# Golden disassembly, in the file order the shell sorts (C locale).
(
    cd tests
    for elf in *.elf; do
        $OBJDUMP -d -M no-aliases "$elf"
    done
) > tests/objdump.golden.txt

# Every 16-bit encoding (quadrants 0-2), assembled with .insn so objdump decodes each one as an
# instruction. One line per encoding, "halfword<TAB>text"; line i (from 0) was at address 2 * i.
i=0
while [ $i -lt 49152 ]; do
    printf '.insn 0x%04x\n' $(( ((i & 16383) << 2) | (i >> 14) ))
    i=$((i + 1))
done > "$tmp/rvc.S"
$CC -march=rv64gc -mabi=lp64 -Wa,-mpriv-spec=1.12 -c -o "$tmp/rvc.o" "$tmp/rvc.S"
$OBJDUMP -d -M no-aliases "$tmp/rvc.o" |
    sed -n 's/^ *[0-9a-f]*:\t\([0-9a-f]*\) *\t\(.*\)$/\1\t\2/p' |
    gzip -n -9 > tests/rvc-space.golden.txt.gz

# Sub-builds owned by other parts of the project.
# linux/ is not one: it builds third-party guests into ~/.cache/rvemu, never into the repository (.ci/run
# calls it on its own), and must not run twice at once on the same kernel tree.
for sub in */build.sh; do
    [ -f "$sub" ] || continue
    [ "$sub" = linux/build.sh ] && continue
    echo "build.sh: running $sub"
    bash "$sub"
done
