#!/usr/bin/env bash
# Writes the bundled disk image: 1 MiB = 2048 sectors of 512 bytes, plain bytes, no
# timestamps, so the output is identical on every run.
#   sector 0:      a greeting text (starting with "Hello from the RvEmu bundled disk!"),
#                  padded with zeros
#   sector s >= 1: the 16-byte line "sector %08x\n" (s in hex) repeated 32 times
# The guest recognises the greeting and then checks every sector it reads against
# this pattern (disktest.c).
set -euo pipefail
export LC_ALL=C
out=${1:-disk.img}
sectors=2048

greeting='Hello from the RvEmu bundled disk!
This is sector 0 of firmware/guest/disk.img (1 MiB, 2048 sectors of 512 bytes).
Every other sector s holds the line "sector <s in hex, 8 digits>" 32 times.
'
{
    printf '%s' "$greeting"
    head -c $((512 - ${#greeting})) /dev/zero
    for ((s = 1; s < sectors; s++)); do
        line=$(printf 'sector %08x' "$s")
        # 32 copies of the 16-byte line: printf reuses its format for each argument.
        printf '%s\n' "$line" "$line" "$line" "$line" "$line" "$line" "$line" "$line" \
            "$line" "$line" "$line" "$line" "$line" "$line" "$line" "$line" \
            "$line" "$line" "$line" "$line" "$line" "$line" "$line" "$line" \
            "$line" "$line" "$line" "$line" "$line" "$line" "$line" "$line"
    done
} > "$out.tmp"
size=$(stat -c %s "$out.tmp")
if [ "$size" -ne $((sectors * 512)) ]; then
    echo "mkdisk.sh: wrote $size bytes, expected $((sectors * 512))" >&2
    rm -f "$out.tmp"
    exit 1
fi
mv "$out.tmp" "$out"
