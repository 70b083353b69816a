#!/usr/bin/env bash
# Run every `rvemu bench` workload on RvEmu and on QEMU (qemu-system-riscv64 -machine virt -bios none), paired
# in one run: each round runs RvEmu then QEMU, so both see the same load on this shared machine. Prints the
# median wall time of RUNS rounds for each, and the ratio RvEmu / QEMU. Wall time is the whole process,
# start-up included (about 0.1 s for RvEmu's .NET host, a few ms for QEMU).
# usage: firmware/bench/compare-qemu.sh [RUNS]        (default 5; needs qemu-system-misc)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
# RvEmu as a user installs it for speed (publish-rvemu.sh: precompiled, so .NET start-up is ~0.13 s instead of
# ~0.25 s from `dotnet build`). RVEMU=path/to/rvemu measures another build instead.
if [ -z "${RVEMU:-}" ]; then
    RVEMU=$("$root/firmware/bench/publish-rvemu.sh")
fi
command -v qemu-system-riscv64 >/dev/null || { echo "compare-qemu: qemu-system-riscv64 is missing (apt-get install qemu-system-misc)" >&2; exit 1; }

# name:elf:harts
workloads="integer:firmware/bench/integer.elf:1 branchy:firmware/bench/branchy.elf:1 coremark:firmware/bench/coremark.elf:1 calls:firmware/bench/calls.elf:1 memory:firmware/bench/memory.elf:1
float:firmware/fpvectors/fpbench.elf:1 oscalls:firmware/bench/oscalls.elf:1 parallel:firmware/bench/parallel.elf:2"

seconds() { # command...: wall seconds of one run (the guest must exit 0)
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 </dev/null || { echo "compare-qemu: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-9s %5s %10s %10s %8s\n' workload harts "RvEmu s" "QEMU s" ratio
for w in $workloads; do
    IFS=: read -r name elf harts <<<"$w"
    rv=() qm=()
    for _ in $(seq "$runs"); do
        rv+=("$(seconds "$RVEMU" run --bios none --smp "$harts" --kernel "$root/$elf")")
        qm+=("$(seconds qemu-system-riscv64 -machine virt -bios none -smp "$harts" -m 128M -nographic -monitor none -kernel "$root/$elf")")
    done
    r=$(printf '%s\n' "${rv[@]}" | median)
    q=$(printf '%s\n' "${qm[@]}" | median)
    printf '%-9s %5s %10.3f %10.3f %8.2f\n' "$name" "$harts" "$r" "$q" "$(echo "$r / $q" | bc -l)"
done
