#!/bin/sh
# Prints the path of a pristine minimal Debian root that can install DEB offline, making it first
# if the cache has none: debootstrap --variant=minbase (plus systemd, which a server has but does not
# run here), its package lists, and DEB's dependencies downloaded. Tests copy it; never work in it.
#   debian-root.sh CACHE_DIR DEB
# The root is keyed by the suite and DEB's Depends, so a new dependency makes a new root (older
# ones are removed). Made under a temporary name and renamed, so a killed run leaves no half root;
# debootstrap mounts /proc and /sys in it, inside a mount namespace of its own.
# ATMOSPHERE_DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -eu
cache=$1 deb=$2
suite=bookworm
mirror=${ATMOSPHERE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
key=$(dpkg-deb -f "$deb" Depends | sha256sum | cut -c1-12)
root="$cache/debian-$suite-$key"
if [ -d "$root" ]; then
  echo "$root"
  exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.making-XXXXXX")
chmod 0755 "$tmp" # it becomes /: every user of the root must get through it
trap 'rm -rf "$tmp"' EXIT
unshare --mount --fork debootstrap --variant=minbase --include=systemd "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
  tail -20 "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
rm -f "$tmp.log"
cp "$deb" "$tmp/tmp/prefetch.deb"
chroot "$tmp" sh -c 'apt-get update -qq && apt-get install -y -qq --download-only /tmp/prefetch.deb' >&2
rm -f "$tmp/tmp/prefetch.deb"
for old in "$cache"/debian-$suite-*; do
  [ -d "$old" ] && rm -rf "$old"
done
mv "$tmp" "$root"
trap - EXIT
echo "$root"
