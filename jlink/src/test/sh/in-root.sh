#!/bin/sh
# Runs a shell script inside a Debian root, as root, in fresh mount, PID and network namespaces:
# when the script ends (or this process is killed) every process it started dies with the PID
# namespace and every mount with the mount namespace; nothing is left on the host.
#   in-root.sh ROOT SCRIPT
# The root gets the host's /dev, its own /proc, an empty /run (so systemd looks not running, as in a
# chroot or container) and a network with loopback only (so a node in it collides with nothing).
# IN_ROOT_ADDRESS, when set (e.g. 10.99.0.2/32), is one more address on that interface: one that is
# not a loopback address, as a container's own address on its network.
set -eu
root=$1 script=$2
exec unshare --mount --pid --fork --net --mount-proc="$root/proc" sh -c '
  set -eu
  root=$1
  ip link set lo up
  if [ -n "${IN_ROOT_ADDRESS:-}" ]; then ip addr add "$IN_ROOT_ADDRESS" dev lo; fi
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  mount -t sysfs -o ro sysfs "$root/sys"
  exec chroot "$root" /bin/sh -c "cd / && $2"' in-root "$root" "$script"
