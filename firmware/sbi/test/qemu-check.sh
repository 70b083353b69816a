#!/usr/bin/env bash
# Validates sbi.bin on QEMU's virt board (qemu-system-riscv64, Debian's qemu-system-misc):
# runs test/sbitest.elf in several configurations, a cold reboot through SRST, and U-Boot
# (Debian's u-boot-qemu) to its prompt and `poweroff`. Exit status 0 iff all pass.
set -uo pipefail
cd "$(dirname "$0")/.."
QEMU=(qemu-system-riscv64 -machine virt -m 128M -bios sbi.bin -nographic -monitor none)
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
failures=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

expect() {  # expect NAME STATUS WANTED_STATUS PATTERN
    if [ "$2" -eq "$3" ] && grep -q "$4" "$log"; then
        echo "pass  $1"
    else
        echo "FAIL  $1 (exit status $2, wanted $3; last lines:)"
        tail -5 "$log" | sed 's/^/      /'
        failures=$((failures + 1))
    fi
}

for cfg in "-smp 1" "-smp 2" "-smp 4" "-smp 3 -cpu rv64,sstc=off"; do
    # shellcheck disable=SC2086
    timeout 120 "${QEMU[@]}" $cfg -kernel test/sbitest.elf </dev/null >"$log" 2>&1
    expect "sbitest $cfg" $? 0 " 0 failed"
done

timeout 120 "${QEMU[@]}" -smp 2 -kernel test/sbitest.elf -append srst-reboot </dev/null >"$log" 2>&1
expect "sbitest SRST cold reboot" $? 0 "ok   SRST: cold reboot came back"

timeout 30 "${QEMU[@]}" </dev/null >"$log" 2>&1
expect "no -kernel: reported, exit 3" $? 3 "no next stage"

if [ -f "$UBOOT" ]; then
    { sleep 5; printf 'version\r'; sleep 1; printf 'poweroff\r'; sleep 5; } |
        timeout 60 "${QEMU[@]}" -smp 2 -kernel "$UBOOT" >"$log" 2>&1
    expect "U-Boot prompt, poweroff" $? 0 "^=> version"
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
