#!/usr/bin/env bash
# Build the Linux guest for RvEmu from Debian's packages: a Linux 6.1 kernel Image (linux-source-6.1,
# our config fragment kernel.config on top of allnoconfig) and an ext4 root image holding a static
# BusyBox (Debian's busybox source package, busybox.config) plus our own init files (rootfs/).
# Nothing built here is committed: the outputs are cached outside the clone, in
#     ${XDG_CACHE_HOME:-$HOME/.cache}/rvemu/linux-<key>/{Image,rootfs.img}
# where <key> hashes everything that goes into them (this script, the config fragments, rootfs/,
# the package versions and the compiler version), so only the first run on a machine pays.
#
# usage: firmware/linux/build.sh              build (if needed) and print the output directory last
#        firmware/linux/build.sh --print-dir  print the output directory if it is built, else exit 1
# Installing missing packages needs root (CI runs as root); otherwise the script says what to install.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/rvemu
jobs=${JOBS:-$(nproc)}
export ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-
export LC_ALL=C

packages=(linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross make flex bison bc
          xz-utils e2fsprogs dpkg-dev)

say() { echo "linux-build: $*" >&2; }
die() { say "error: $*"; exit 1; }

# step NAME COMMAND...: run one build step, printing its name and how long it took.
step() {
    local name=$1 t0=$SECONDS
    shift
    say "$name..."
    "$@"
    say "$name: done in $((SECONDS - t0)) s"
}

version_of() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# The busybox source version, from the package lists (the binary package's candidate version names
# the same upload; no deb-src entry is needed to compute the key).
busybox_version() { apt-cache policy busybox 2>/dev/null | awk '/Candidate:/ { print $2 }'; }

cache_key() {
    {
        cat "$here/build.sh" "$here/kernel.config" "$here/busybox.config"
        (cd "$here/rootfs" && find . -type f | sort | xargs sha256sum)
        version_of linux-source-6.1
        version_of gcc-riscv64-linux-gnu
        version_of libc6-dev-riscv64-cross
        version_of e2fsprogs
        busybox_version
    } | sha256sum | cut -c1-16
}

kernel_key() {
    { cat "$here/kernel.config"; version_of linux-source-6.1; version_of gcc-riscv64-linux-gnu; } |
        sha256sum | cut -c1-16
}

if [ "${1:-}" = "--print-dir" ]; then
    for p in "${packages[@]}"; do [ -n "$(version_of "$p")" ] || die "package $p is not installed"; done
    out="$cache/linux-$(cache_key)"
    [ -f "$out/Image" ] && [ -f "$out/rootfs.img" ] || die "not built yet: run firmware/linux/build.sh"
    echo "$out"
    exit 0
fi
[ $# -eq 0 ] || die "usage: build.sh [--print-dir]"

install_packages() {
    local missing=() p
    for p in "${packages[@]}"; do [ -n "$(version_of "$p")" ] || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages, install them as root: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# `apt-get source` needs a deb-src entry; Debian's images ship only `deb`. Add one mirroring the
# existing deb822 sources file (same mirrors, suites and keys), once.
ensure_deb_src() {
    if apt-get source --print-uris busybox >/dev/null 2>&1; then return 0; fi
    [ "$(id -u)" -eq 0 ] || die "apt has no deb-src entry; add one (as root) so 'apt-get source busybox' works"
    local src=/etc/apt/sources.list.d/debian.sources
    [ -f "$src" ] || die "no deb-src entry and no $src to copy it from"
    sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/rvemu-deb-src.sources
    apt-get update -qq
}

t_start=$SECONDS
step "checking packages" install_packages
key=$(cache_key)
out="$cache/linux-$key"
if [ -f "$out/Image" ] && [ -f "$out/rootfs.img" ]; then
    say "cached: $out"
    echo "$out"
    exit 0
fi
mkdir -p "$cache/src" "$out"

# --- Kernel ---------------------------------------------------------------------------------------
kver=$(version_of linux-source-6.1)
ksrc="$cache/src/linux-source-6.1-$kver"
kbuild="$cache/build/linux-6.1"   # kept between runs: a changed fragment rebuilds incrementally
kimage="$cache/build/Image-$(kernel_key)"

extract_kernel() {
    rm -rf "$ksrc.tmp" && mkdir -p "$ksrc.tmp"
    tar -C "$ksrc.tmp" --strip-components=1 -xf /usr/src/linux-source-6.1.tar.xz
    mv "$ksrc.tmp" "$ksrc"
}

configure_kernel() {
    mkdir -p "$kbuild"
    # merge_config.sh -n: allnoconfig with our fragment as KCONFIG_ALLCONFIG; it warns about any
    # requested value that did not survive (a missing dependency). Fail on such warnings.
    local log
    log=$(cd "$ksrc" && scripts/kconfig/merge_config.sh -n -O "$kbuild" "$here/kernel.config" 2>&1) ||
        { echo "$log"; die "merge_config.sh failed"; }
    if grep -q "Requested value" <<<"$log"; then
        grep -A2 "Requested value" <<<"$log" >&2
        die "kernel.config asks for values Kconfig refused (see above)"
    fi
}

build_kernel() {
    make -C "$ksrc" O="$kbuild" -j"$jobs" -s Image
    cp "$kbuild/arch/riscv/boot/Image" "$kimage"
}

if [ ! -f "$kimage" ]; then
    [ -d "$ksrc" ] || step "extracting linux-source-6.1 $kver" extract_kernel
    step "configuring the kernel (allnoconfig + kernel.config)" configure_kernel
    step "building the kernel Image (make -j$jobs)" build_kernel
else
    say "kernel Image cached: $kimage"
fi

# --- BusyBox --------------------------------------------------------------------------------------
bver=$(busybox_version)
# No colon (the epoch) in the path: make cannot handle one.
bsrc="$cache/src/busybox-${bver//:/_}"
bbin="$cache/build/busybox-$(
    { cat "$here/busybox.config"; echo "$bver"; version_of gcc-riscv64-linux-gnu; version_of libc6-dev-riscv64-cross; } |
        sha256sum | cut -c1-16)"

fetch_busybox() {
    ensure_deb_src
    local tmp="$cache/src/busybox.tmp"
    rm -rf "$tmp" && mkdir -p "$tmp"
    # apt-get source downloads as the _apt user when it can; a cache dir it cannot write makes it
    # warn and download as root instead, which is fine.
    (cd "$tmp" && apt-get source -qq busybox >/dev/null 2>&1) || die "apt-get source busybox failed"
    local dir
    dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -1)
    [ -n "$dir" ] || die "apt-get source busybox unpacked nothing"
    mv "$dir" "$bsrc"
    rm -rf "$tmp"
}

build_busybox() {
    local b="$bbin.build"
    rm -rf "$b" && mkdir -p "$b"
    make -C "$bsrc" O="$b" -s defconfig >/dev/null
    # Apply busybox.config: drop the symbols it names from the defconfig, append its lines.
    local sym
    for sym in $(grep -oE '^(# )?CONFIG_[A-Z0-9_]+' "$here/busybox.config" | sed 's/^# //'); do
        sed -i -E "/^(# )?$sym[= ]/d" "$b/.config"
    done
    grep -E '^(# )?CONFIG_' "$here/busybox.config" >> "$b/.config"
    # (|| true: yes dies of SIGPIPE when oldconfig stops reading, which pipefail would count as a failure)
    (yes "" || true) | make -C "$b" -s oldconfig >/dev/null
    make -C "$b" -j"$jobs" -s busybox
    mkdir -p "$bbin"
    make -C "$b" -s CONFIG_PREFIX="$bbin" install >/dev/null
    rm -rf "$b"
}

if [ ! -x "$bbin/bin/busybox" ]; then
    [ -d "$bsrc" ] || step "fetching busybox $bver source (apt-get source)" fetch_busybox
    step "building a static BusyBox (make -j$jobs)" build_busybox
else
    say "BusyBox cached: $bbin"
fi

# --- Root image -----------------------------------------------------------------------------------
make_rootfs() {
    local root="$out/rootfs.tmp"
    rm -rf "$root" && mkdir -p "$root"
    cp -a "$bbin/." "$root/"
    cp -a "$here/rootfs/." "$root/"
    mkdir -p "$root"/{dev,proc,sys,tmp,root,mnt}
    # mke2fs -d copies a directory tree into the new filesystem without root privileges or a loop
    # mount. root_owner: the tree is root's in the guest whoever builds it.
    mke2fs -q -F -t ext4 -L rvemu-root -E root_owner=0:0 -d "$root" "$out/rootfs.img.tmp" 64M
    mv "$out/rootfs.img.tmp" "$out/rootfs.img"
    rm -rf "$root"
}

step "making the ext4 root image (mke2fs -d)" make_rootfs
cp "$kimage" "$out/Image"
say "all done in $((SECONDS - t_start)) s: $out/Image, $out/rootfs.img"
echo "$out"
