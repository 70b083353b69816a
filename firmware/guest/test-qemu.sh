#!/usr/bin/env bash
# Runs guest.elf on QEMU (the reference) in every configuration the guest supports, with
# shell commands on the kernel command line, and checks exit codes and output. The
# committed disk.img is never written: each run gets a copy in a temporary directory.
#   usage: firmware/guest/test-qemu.sh [QEMU]     (default qemu-system-riscv64)
set -uo pipefail
cd "$(dirname "$0")"
QEMU=${1:-qemu-system-riscv64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# run NAME EXPECTED_EXIT EXPECTED_LAST_LINE_PREFIX QEMU_ARGS...
run() {
    local name=$1 want_rc=$2 want_line=$3
    shift 3
    local cmd=("$QEMU" -machine virt -nographic -m 128M -bios default -kernel guest.elf "$@")
    echo "== $name: ${cmd[*]}"
    timeout 120 "${cmd[@]}" </dev/null >"$work/$name.log" 2>&1
    local rc=$?
    local last
    last=$(tr -d '\r' <"$work/$name.log" | grep -v '^$' | tail -n 1)
    echo "   exit $rc, last line: $last"
    if [ "$rc" -ne "$want_rc" ] || [[ "$last" != "$want_line"* ]]; then
        echo "   FAILED: expected exit $want_rc and a last line starting with \"$want_line\""
        sed 's/^/   | /' "$work/$name.log" | tail -n 30
        failures=$((failures + 1))
    fi
}

drive() { echo "-drive file=$1,format=raw,id=hd0,if=none$2 -device virtio-blk-device,drive=hd0$3"; }
same_as_bundled() {
    if ! cmp -s "$1" disk.img; then
        echo "   FAILED: $1 differs from disk.img after the run"
        failures=$((failures + 1))
    fi
}

expect() { # LOG TEXT: the run's output must contain TEXT
    grep -qF -- "$2" <(tr -d '\r' <"$work/$1.log") || { echo "   FAILED: \"$2\" not in the output"; failures=$((failures + 1)); }
}
OFF="guest: powering off"
MODERN="-global virtio-mmio.force-legacy=false"
TOUR="devices; blk; ls; cat hello.txt; pt; dmademo; bench"

for variant in legacy modern; do
    extra=""
    [ "$variant" = modern ] && extra=$MODERN
    cp disk.img "$work/$variant-rw.img"
    # shellcheck disable=SC2046,SC2086
    run "$variant-rw" 0 "$OFF" -append "$TOUR; write note.txt from qemu; rm readme.txt; poweroff" $extra \
        $(drive "$work/$variant-rw.img" "" ",serial=RVEMU-TEST-0001")
    expect "$variant-rw" 'serial "RVEMU-TEST-0001"'
    expect "$variant-rw" "Hello from the RvEmu bundled disk!"
    expect "$variant-rw" "with 2 data descriptors: OK"
    expect "$variant-rw" "gives identical bytes"
    expect "$variant-rw" "bench: 1048576 bytes in"
    expect "$variant-rw" "write: note.txt: 10 bytes written and flushed"
    if command -v mtype >/dev/null; then
        [ "$(MTOOLSRC=/dev/null mtype -i "$work/$variant-rw.img" ::note.txt)" = "from qemu" ] ||
            { echo "   FAILED: note.txt not in the image"; failures=$((failures + 1)); }
    fi
    cp disk.img "$work/$variant-ro.img"
    # shellcheck disable=SC2046,SC2086
    run "$variant-ro" 0 "$OFF" -append "write note.txt x; cat hello.txt; poweroff" $extra \
        $(drive "$work/$variant-ro.img" ",readonly=on" "")
    expect "$variant-ro" "I/O error: the device answered IOERR"
    same_as_bundled "$work/$variant-ro.img"
done

run no-disk 0 "$OFF" -append "ls; poweroff"
expect no-disk "no virtio-blk device found"
run fault 1 "guest: FAIL (exit code 1): kernel trap: load page fault" -append "fault"

if [ "$failures" -ne 0 ]; then
    echo "test-qemu.sh: $failures failure(s)"
    exit 1
fi
echo "test-qemu.sh: all QEMU runs as expected"
