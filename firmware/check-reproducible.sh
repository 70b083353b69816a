#!/bin/sh
# Rebuild all firmware and fail, listing the files, if any committed binary or golden file
# changed (or a new untracked file appeared) under firmware/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
sh "$here/build.sh"
changed=$(git -C "$root" status --porcelain --untracked-files=all -- firmware)
if [ -n "$changed" ]; then
    echo "check-reproducible: firmware build output differs from git:" >&2
    echo "$changed" >&2
    exit 1
fi
echo "check-reproducible: all firmware outputs match git"
