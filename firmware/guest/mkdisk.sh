#!/usr/bin/env bash
# Writes the bundled disk image: a 1 MiB FAT12 file system ("superfloppy": no partition
# table) holding a few text files and a directory, for the guest's shell to read and write.
# Reproducible: mkfs.fat --invariant with a fixed volume id, and mtools stamps every file
# and directory with SOURCE_DATE_EPOCH (2024-01-01 00:00:00 UTC), so two runs give the
# same bytes. Needs dosfstools (mkfs.fat) and mtools.
set -euo pipefail
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=1704067200
# mtools reads ~/.mtoolsrc and /etc/mtools.conf; nothing there may change its output.
export MTOOLSRC=/dev/null MTOOLS_SKIP_CHECK=1
out=${1:-disk.img}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/disk.img

truncate -s 1M "$img"
mkfs.fat --invariant -F 12 -n RVEMU -i 52564d55 "$img" > /dev/null

cat > "$tmp/hello.txt" <<'TEXT'
Hello from the RvEmu bundled disk!
This file lives in a FAT12 file system that the guest kernel reads with its own FAT
code (fat.c), through a small block cache (bcache.c) and the virtio-blk driver, which
hands every buffer to the device through the hal (hal.c).
TEXT
cat > "$tmp/readme.txt" <<'TEXT'
Try these at the guest> prompt:
  ls docs              list a directory
  cat docs/sv39.txt    read a file
  write note.txt hi    create a file (it lands in the disk image)
  rm note.txt          remove it again
  pt 0xffffffc080200000  walk the page table for the kernel's first instruction
  dmademo              read into a stack buffer that spans two pages
  bench                read the whole disk and time it
  poweroff             leave
TEXT
mmd -i "$img" ::docs
cat > "$tmp/sv39.txt" <<'TEXT'
Sv39: 39-bit virtual addresses, three levels of 512-entry page tables. VPN[2], VPN[1]
and VPN[0] are 9 bits each, the page offset 12. A leaf at level 2 maps 1 GiB, at level 1
2 MiB, at level 0 4 KiB. This kernel maps RAM at 0xffffffc000000000 + physical, device
registers at 0xffffffd000000000 + physical, and its stacks from single frames at
0xffffffe000000000, each with an unmapped guard page below.
TEXT
cat > "$tmp/virtio.txt" <<'TEXT'
A virtio-blk request is a chain of descriptors: a 16-byte header the device reads
(type, sector), the data (the device writes it for a read), and one status byte the
device writes. The driver puts the chain's head in the available ring and writes
QueueNotify; the device processes it, puts the head in the used ring and raises its
interrupt line, which the PLIC turns into a supervisor external interrupt. The kernel
claims it from the PLIC, acknowledges InterruptStatus and harvests the used ring.
TEXT
cat > "$tmp/fat.txt" <<'TEXT'
FAT: a boot sector with the BIOS parameter block, then the file allocation tables (one
entry per cluster: next cluster, end of chain, or free), then (FAT12/16) a fixed root
directory, then the data clusters. A directory entry is 32 bytes: an 8.3 name,
attributes, the first cluster and the size.
TEXT
# A file of several clusters, so that reading it follows a cluster chain.
for i in $(seq 1 200); do printf 'line %03d of numbers.txt\n' "$i"; done > "$tmp/numbers.txt"

mcopy -i "$img" "$tmp/hello.txt" "$tmp/readme.txt" "$tmp/numbers.txt" ::
mcopy -i "$img" "$tmp/sv39.txt" "$tmp/virtio.txt" "$tmp/fat.txt" ::docs
fsck.fat -n "$img" > /dev/null
mv "$img" "$out"
