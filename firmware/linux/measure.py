#!/usr/bin/env python3
"""Boot the Linux guest on RvEmu and on QEMU, one after the other, and print for each:
seconds from start to the shell prompt, and seconds for a CPU-bound userland job (md5sum of a
16 MiB file in the guest's tmpfs). The root image is attached with snapshot=on, so it never changes.

usage: firmware/linux/measure.py [--rvemu-only] [--bios default|PATH] [--runs N]
With --runs N, N paired rounds (RvEmu then QEMU, so both see the same load on this shared machine), then
the medians and their ratio. Needs firmware/linux/build.sh to have run. RvEmu is measured as a user installs
it: published precompiled by firmware/bench/publish-rvemu.sh, as compare-qemu.sh does (the
`dotnet build` output runs its first second in the .NET JIT's unoptimised tier); RVEMU=path/to/rvemu
measures another build.
"""
import os
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROMPT = b"rvemu:/# "
APPEND = "root=/dev/vda rw console=ttyS0 earlycon"


class Guest:
    def __init__(self, argv):
        self.start = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.out = b""
        self.cursor = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else self.proc.stdout.read(1)
            if not chunk:
                return
            with self.lock:
                self.out += chunk

    def wait_for(self, text, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                at = self.out.find(text, self.cursor)
                if at >= 0:
                    seen = self.out[self.cursor:at + len(text)]
                    self.cursor = at + len(text)
                    return seen.decode(errors="replace")
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        sys.exit(f"measure: {text!r} did not appear; output so far:\n{self.out[-3000:].decode(errors='replace')}")

    def command(self, line):
        t0 = time.monotonic()
        self.proc.stdin.write(line.encode() + b"\r")
        self.proc.stdin.flush()
        seen = self.wait_for(PROMPT)
        return time.monotonic() - t0, seen

    def poweroff(self):
        self.proc.stdin.write(b"poweroff\r")
        self.proc.stdin.flush()
        return self.proc.wait(timeout=120)


def measure(name, argv):
    guest = Guest(argv)
    try:
        return run(name, guest)
    finally:
        if guest.proc.poll() is None:  # a failed measurement must not leave the emulator running
            guest.proc.kill()


def run(name, guest):
    guest.wait_for(b"rvemu-linux: init done")
    guest.wait_for(PROMPT)
    boot = time.monotonic() - guest.start
    guest.command("dd if=/dev/zero of=/tmp/f bs=1M count=16 2>/dev/null")
    job, seen = guest.command("md5sum /tmp/f")
    if "2c7ab85a893283e98c931e9511add182" not in seen:
        sys.exit(f"measure: unexpected md5sum output on {name}: {seen}")
    code = guest.poweroff()
    print(f"{name:8} boot to prompt {boot:6.2f} s   md5sum 16 MiB {job:6.2f} s   exit code {code}")
    if os.environ.get("RVEMU_ARGS"):  # diagnostics asked for with extra arguments: show RvEmu's own lines
        for line in guest.out.decode(errors="replace").splitlines():
            if line.startswith("[") and ("jit:" in line or "decode:" in line) or line.startswith("rvemu:"):
                print("   ", line)
    return boot, job


def main():
    build = subprocess.run(["bash", os.path.join(HERE, "build.sh"), "--print-dir"],
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit(f"measure: {build.stderr.strip()}")
    out = build.stdout.strip()
    kernel, image = os.path.join(out, "Image"), os.path.join(out, "rootfs.img")
    bios = sys.argv[sys.argv.index("--bios") + 1] if "--bios" in sys.argv else "default"
    rvemu = os.environ.get("RVEMU")
    if not rvemu:
        rvemu = subprocess.run([os.path.join(ROOT, "firmware", "bench", "publish-rvemu.sh")],
                               check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 1
    # RVEMU_ARGS: extra rvemu options, e.g. "--jit off" or "--log-level debug" (which prints the JIT's statistics).
    extra = os.environ.get("RVEMU_ARGS", "").split()
    results = {"RvEmu": [], "QEMU": []}
    for _ in range(runs):
        results["RvEmu"].append(measure("RvEmu", [rvemu, "run", "--bios", bios, "--kernel", kernel,
                                                  "--drive", f"file={image},snapshot=on", "--append", APPEND] + extra))
        if "--rvemu-only" not in sys.argv:
            results["QEMU"].append(measure("QEMU", ["qemu-system-riscv64", "-machine", "virt", "-m", "128M", "-nographic",
                                                    "-bios", bios, "-kernel", kernel, "-append", APPEND,
                                                    "-drive", f"file={image},format=raw,id=hd0,if=none,snapshot=on",
                                                    "-device", "virtio-blk-device,drive=hd0"]))
    if runs > 1:
        med = {k: (statistics.median(b for b, _ in v), statistics.median(j for _, j in v)) for k, v in results.items() if v}
        for k, (b, j) in med.items():
            print(f"median of {runs}: {k:8} boot to prompt {b:6.2f} s   md5sum 16 MiB {j:6.2f} s")
        if len(med) == 2:
            print(f"ratio RvEmu / QEMU: boot {med['RvEmu'][0] / med['QEMU'][0]:.2f}   md5sum {med['RvEmu'][1] / med['QEMU'][1]:.2f}")


if __name__ == "__main__":
    main()
