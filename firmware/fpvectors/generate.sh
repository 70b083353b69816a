#!/bin/sh
# Regenerate vectors.txt.gz by running gen.elf on QEMU (Debian's qemu-system-misc).
# The generator is deterministic (fixed seed), so the output only changes when gen.c or QEMU does.
set -eu
cd "$(dirname "$0")"
[ -f gen.elf ] || ./build.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 1800 qemu-system-riscv64 -machine virt -bios none -nographic -m 64M -kernel gen.elf </dev/null | tr -d '\r' > "$out"
tail -n 1 "$out" | grep -q '^end ' || { echo "generate.sh: generator did not finish" >&2; exit 1; }
gzip -9 -n < "$out" > vectors.txt.gz
echo "vectors.txt.gz: $(tail -n 1 "$out" | cut -d' ' -f2) vectors, $(wc -c < vectors.txt.gz) bytes"
