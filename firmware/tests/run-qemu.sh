#!/bin/sh
# Run every test ELF on QEMU, the reference: each must exit 0.
# QEMU's virt board has no HTIF, so *-htif.elf runs on QEMU's spike machine, which has.
# -singlestep (one instruction per translation block): QEMU 7.2 checks PMP execute permission when it
# translates a block, so a block that runs into a non-executable part of a page (pmp_fetch) would not
# fault without it; the spec checks every fetch.
set -u
cd "$(dirname "$0")"
status=0
for elf in *.elf; do
    case $elf in
        *-htif.elf) machine=spike ;;
        *) machine=virt ;;
    esac
    timeout 20 qemu-system-riscv64 -machine $machine -bios none -nographic -monitor none -serial none -singlestep -kernel "$elf"
    rc=$?
    if [ $rc -eq 0 ]; then echo "PASS $elf"; else echo "FAIL $elf (exit $rc)"; status=1; fi
done
exit $status
