#!/usr/bin/env bash
# Runs guest.elf on QEMU (the reference) in every configuration the guest supports and
# checks exit codes and final lines. The committed disk.img is never written: each run
# gets a copy in a temporary directory, and after a writable run the copy must still be
# byte-identical (the guest restores the sector it wrote).
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

PASS="guest: all disk tests passed"
MODERN="-global virtio-mmio.force-legacy=false"

cp disk.img "$work/legacy-rw.img"
# shellcheck disable=SC2046
run legacy-rw 0 "$PASS" $(drive "$work/legacy-rw.img" "" "")
same_as_bundled "$work/legacy-rw.img"

cp disk.img "$work/modern-rw.img"
# shellcheck disable=SC2046
run modern-rw 0 "$PASS" $MODERN $(drive "$work/modern-rw.img" "" ",serial=RVEMU-TEST-0001")
same_as_bundled "$work/modern-rw.img"
grep -q 'serial (GET_ID): "RVEMU-TEST-0001"' "$work/modern-rw.log" || { echo "   FAILED: serial not printed"; failures=$((failures + 1)); }

cp disk.img "$work/ro.img"
# shellcheck disable=SC2046
run legacy-ro 0 "$PASS" $(drive "$work/ro.img" ",readonly=on" "")
# shellcheck disable=SC2046
run modern-ro 0 "$PASS" $MODERN $(drive "$work/ro.img" ",readonly=on" "")
grep -q 'refused with IOERR' "$work/modern-ro.log" || { echo "   FAILED: read-only check missing"; failures=$((failures + 1)); }
same_as_bundled "$work/ro.img"

run no-disk 3 "guest: FAIL (exit code 3): no virtio-blk device found"

# Throughput mode: reads the whole disk (1 MiB = 8 requests of 128 KiB), writes nothing.
cp disk.img "$work/bench.img"
for variant in legacy modern; do
    extra=""
    [ "$variant" = modern ] && extra=$MODERN
    # shellcheck disable=SC2046,SC2086
    run "readbench-$variant" 0 "guest: readbench done" -append readbench $extra $(drive "$work/bench.img" "" "")
    grep -q '^readbench: 1048576 bytes in .* MiB/s (8 requests of 131072 bytes)' "$work/readbench-$variant.log" ||
        { echo "   FAILED: readbench line missing"; failures=$((failures + 1)); }
    grep -q 'sector 0 says' "$work/readbench-$variant.log" &&
        { echo "   FAILED: readbench ran the disk test"; failures=$((failures + 1)); }
done
same_as_bundled "$work/bench.img"

if [ "$failures" -ne 0 ]; then
    echo "test-qemu.sh: $failures failure(s)"
    exit 1
fi
echo "test-qemu.sh: all QEMU runs as expected"
