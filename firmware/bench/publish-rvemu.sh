#!/usr/bin/env bash
# Publish RvEmu as a user installs it for speed, and print the path of the rvemu it made: self-contained, with the
# app and the .NET libraries precompiled together (ReadyToRun composite). Framework-dependent ReadyToRun cannot
# precompile the generic code the app instantiates from other assemblies (the collections, System.CommandLine and
# ELFSharp with RvEmu's types): about 330 methods went through the JIT at every start, 50 now, and a program that
# exits at once starts in ~0.13 s instead of ~0.17 s. The output is ~95 MB; it lands in RvEmu.Cli/bin/Release/r2r.
# usage: firmware/bench/publish-rvemu.sh   (used by compare-qemu.sh and firmware/linux/measure.py)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/RvEmu.Cli/bin/Release/r2r"
echo "publish-rvemu: publishing RvEmu (self-contained, ReadyToRun composite) to $out" >&2
dotnet publish "$root/RvEmu.Cli" -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true \
    -p:PublishReadyToRunComposite=true -o "$out" -v q >/dev/null \
    || { echo "publish-rvemu: dotnet publish failed" >&2; exit 1; }
echo "$out/rvemu"
