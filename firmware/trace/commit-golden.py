#!/usr/bin/env python3
"""Make a golden register-write log for a bare-metal program from QEMU, the reference.

QEMU single-stepped with `-d cpu` dumps the register file before every instruction; the difference
between consecutive dumps is what each instruction wrote. Output: one line per instruction,
"PC[ xN=VALUE]..." with only the registers whose value changed.

Usage: commit-golden.py PROGRAM.elf > PROGRAM.commit.golden
"""
import re
import subprocess
import sys
import tempfile

elf = sys.argv[1]
with tempfile.NamedTemporaryFile(suffix=".log") as log:
    subprocess.run(
        ["qemu-system-riscv64", "-machine", "virt", "-m", "128M", "-bios", "none", "-nographic",
         "-kernel", elf, "-singlestep", "-d", "cpu,nochain", "-D", log.name],
        stdout=subprocess.DEVNULL, timeout=60, check=True)
    text = open(log.name).read()

states = []
for block in text.split(" V      =")[1:]:
    pc = int(re.search(r"^ pc\s+([0-9a-f]+)", block, re.M).group(1), 16)
    regs = {int(n): int(v, 16) for n, v in re.findall(r"x(\d+)/\w+\s+([0-9a-f]{16})", block)}
    states.append((pc, regs))

for (pc, before), (_, after) in zip(states, states[1:]):
    writes = "".join(f" x{n}=0x{after[n]:016x}" for n in range(1, 32) if after[n] != before[n])
    print(f"0x{pc:016x}{writes}")
