#!/bin/sh
# Installs Atmosphere from a release:
#   curl -fsSL https://github.com/llama-farm/atmosphere/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --no-service        (options after "sh -s --")
# It downloads the archive for this OS and architecture and SHA256SUMS, refuses the archive unless
# its checksum matches (and, when gpg is here, unless the signature of SHA256SUMS verifies with the
# release key written into this script by the release build), checks that it runs here, and only
# then installs it in PREFIX/lib/atmosphere-VERSION with PREFIX/bin/atmosphere, the man page and the
# completions linked into it. Earlier versions stay beside it until --prune. As root where systemd
# runs it also sets up the system node as a service (user atmosphere, data in /var/lib/atmosphere).
#
# Environment:
#   ATMOSPHERE_BASE_URL  a folder laid out like a release (VERSION, SHA256SUMS, the archives);
#                        default: the project's GitHub release of ATMOSPHERE_VERSION, or the latest
#   ATMOSPHERE_VERSION   the version to install; default: the one the folder's VERSION file names
#   PREFIX               default /usr/local as root, ~/.local otherwise
set -eu

REPO_URL=https://github.com/llama-farm/atmosphere
DATA=/var/lib/atmosphere
UNIT=/etc/systemd/system/atmosphere.service

# The OpenPGP public key that signs SHA256SUMS, written here by the release build when it signs the
# release (sign-release.sh). Empty: this release is not signed, and only checksums are checked.
RELEASE_KEY=$(cat <<'RELEASE_KEY'
RELEASE_KEY
)

say() { printf '%s\n' "$*"; }
warn() { printf 'install.sh: %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<'EOF'
Usage: install.sh [--prefix DIR] [--version VERSION] [--no-service] [--prune] [--force] [--uninstall]

Installs Atmosphere in PREFIX/lib/atmosphere-VERSION and links PREFIX/bin/atmosphere to it.
  --prefix DIR     where to install (default /usr/local as root, ~/.local otherwise; or $PREFIX)
  --version V      the version to install (default: the latest; or $ATMOSPHERE_VERSION)
  --no-service     as root, do not set up the systemd service
  --prune          remove the other installed versions once this one is in place
  --force          download and install again over an installed copy of this version
  --uninstall      remove every installed version, the links and (as root) the service;
                   the system node's data in /var/lib/atmosphere is kept
Environment: ATMOSPHERE_BASE_URL (a release folder, default the project's GitHub release).
EOF
}

service=yes prune=no force=no uninstall=no
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift ;;
    --prefix=*) PREFIX=${1#--prefix=} ;;
    --version) [ $# -ge 2 ] || die "--version needs a version"; ATMOSPHERE_VERSION=$2; shift ;;
    --version=*) ATMOSPHERE_VERSION=${1#--version=} ;;
    --no-service) service=no ;;
    --prune) prune=yes ;;
    --force) force=yes ;;
    --uninstall) uninstall=yes ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
  shift
done

uid=$(id -u)
if [ -z "${PREFIX:-}" ]; then
  if [ "$uid" = 0 ]; then PREFIX=/usr/local; else PREFIX=${HOME:?HOME is not set: give --prefix}/.local; fi
fi
case $PREFIX in /*) ;; *) PREFIX=$(pwd)/$PREFIX ;; esac
PREFIX=${PREFIX%/}
LIB=$PREFIX/lib

# The links this script makes, relative to PREFIX, and what each points at inside an image
links() {
  say "bin/atmosphere bin/atmosphere"
  say "share/man/man1/atmosphere.1 share/man/man1/atmosphere.1"
  say "share/bash-completion/completions/atmosphere share/bash-completion/completions/atmosphere"
  say "share/zsh/site-functions/_atmosphere share/zsh/site-functions/_atmosphere"
  say "share/fish/vendor_completions.d/atmosphere.fish share/fish/vendor_completions.d/atmosphere.fish"
}

# is_ours LINK: a link this script made (it points into some lib/atmosphere-VERSION)
is_ours() {
  [ -h "$1" ] && case $(ls -ld "$1") in *"-> "*lib/atmosphere-*) true ;; *) false ;; esac
}

systemd_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

if [ "$uninstall" = yes ]; then
  if [ "$uid" = 0 ] && [ -f "$UNIT" ] && grep -q "^ExecStart=$PREFIX/bin/atmosphere " "$UNIT"; then
    if systemd_running; then systemctl disable --now atmosphere.service >/dev/null 2>&1 || true; fi
    rm -f "$UNIT"
    if systemd_running; then systemctl daemon-reload || true; fi
    say "Removed the service (its data stays in $DATA; 'userdel atmosphere' and 'rm -r $DATA' delete it)"
  fi
  links | while read -r link _; do
    if is_ours "$PREFIX/$link"; then rm -f "$PREFIX/$link"; fi
  done
  found=no
  for dir in "$LIB"/atmosphere-*; do
    [ -d "$dir" ] || continue
    rm -rf "$dir"; say "Removed $dir"; found=yes
  done
  [ "$found" = yes ] || say "No Atmosphere installed in $LIB"
  exit 0
fi

# This machine
case $(uname -s) in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  MINGW*|MSYS*|CYGWIN*) die "on Windows, download the .zip from $REPO_URL/releases and run bin\\atmosphere.cmd" ;;
  *) die "no Atmosphere build for $(uname -s); build it from source: $REPO_URL" ;;
esac
case $(uname -m) in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=aarch64 ;;
  *) die "no Atmosphere build for the $(uname -m) architecture; build it from source: $REPO_URL" ;;
esac
# a shell under Rosetta says x86_64 on an Apple silicon Mac: take the native build
if [ "$os" = macos ] && [ "$arch" = x64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null || true)" = 1 ]; then
  arch=aarch64
fi
if [ "$os" = linux ] && ldd --version 2>&1 | grep -qi musl; then
  die "this system's C library is musl; Atmosphere's Linux build needs glibc 2.34 or newer (or run the Docker image)"
fi

fetch() { # URL FILE
  case $1 in
    file://*) cp "${1#file://}" "$2" ;;
    *)
      if command -v curl >/dev/null 2>&1; then
        curl -fsSL --proto-redir =https --retry 2 -o "$2" "$1"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
      else
        die "downloading needs curl or wget; install one of them"
      fi ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/atmosphere-install.XXXXXX")
partial=""
cleanup() { rm -rf "$tmp"; if [ -n "$partial" ]; then rm -rf "$partial"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

version=${ATMOSPHERE_VERSION:-}
base=${ATMOSPHERE_BASE_URL:-}
if [ -z "$base" ]; then
  if [ -n "$version" ]; then base=$REPO_URL/releases/download/v$version; else base=$REPO_URL/releases/latest/download; fi
fi
base=${base%/}
case $base in
  http://127.*|http://localhost*|http://\[::1\]*|https://*|file://*) ;;
  http://*) warn "$base is plain http: the checksums come over the same connection as the archive" ;;
  *) die "ATMOSPHERE_BASE_URL must be an https://, http:// or file:// URL, not '$base'" ;;
esac
if [ -z "$version" ]; then
  fetch "$base/VERSION" "$tmp/VERSION" || die "could not download $base/VERSION (is ATMOSPHERE_BASE_URL a release folder?)"
  version=$(tr -d ' \r\n' < "$tmp/VERSION")
fi
case $version in
  ''|*[!0-9A-Za-z.+~-]*) die "'$version' is not a version (ATMOSPHERE_VERSION, or VERSION at $base)" ;;
esac

name=atmosphere-$version
target=$LIB/$name
archive=$name-$os-$arch.tar.gz

if [ -x "$target/bin/atmosphere" ] && [ "$force" = no ]; then
  say "Atmosphere $version is already installed in $target (--force installs it again)"
else
  say "Downloading Atmosphere $version for $os-$arch from $base"
  fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || die "could not download $base/SHA256SUMS"
  if [ -n "$RELEASE_KEY" ]; then
    if command -v gpg >/dev/null 2>&1; then
      fetch "$base/SHA256SUMS.asc" "$tmp/SHA256SUMS.asc" \
        || die "this release is signed, but $base/SHA256SUMS.asc could not be downloaded; nothing was installed"
      mkdir -m 0700 "$tmp/gnupg"
      printf '%s\n' "$RELEASE_KEY" | gpg --homedir "$tmp/gnupg" --batch --quiet --import 2>/dev/null \
        || die "gpg could not read the release key in this script"
      if ! gpg --homedir "$tmp/gnupg" --batch --trust-model always --status-fd 1 --verify "$tmp/SHA256SUMS.asc" "$tmp/SHA256SUMS" \
          >"$tmp/gpg.out" 2>&1 || ! grep -q '^\[GNUPG:\] VALIDSIG' "$tmp/gpg.out"; then
        die "the signature of SHA256SUMS at $base does not verify with the release key: refusing to install (nothing was changed)"
      fi
      say "Signature of SHA256SUMS: good (key $(awk '$2=="VALIDSIG" {print $NF; exit}' "$tmp/gpg.out"))"
    else
      warn "gpg is not installed: the signature of SHA256SUMS is not checked, only the checksum"
    fi
  fi
  expected=$(awk -v n="$archive" '$2==n || $2=="*"n {print $1; exit}' "$tmp/SHA256SUMS")
  if [ -z "$expected" ]; then
    listed=$(awk '{sub(/^\*/, "", $2); print $2}' "$tmp/SHA256SUMS" | grep '^atmosphere-.*\.\(tar\.gz\|zip\)$' | tr '\n' ' ')
    die "SHA256SUMS at $base lists no $archive: no build of version $version for $os-$arch there (it lists: ${listed:-nothing})"
  fi
  fetch "$base/$archive" "$tmp/$archive" || die "could not download $base/$archive"
  actual=$(sha256 "$tmp/$archive")
  if [ "$actual" != "$expected" ]; then
    die "$archive does not match SHA256SUMS (expected $expected, got $actual): refusing to install (nothing was changed)"
  fi
  say "Checksum of $archive: good"

  mkdir -p "$LIB"
  partial=$(mktemp -d "$LIB/.$name.partial.XXXXXX")
  tar -xzf "$tmp/$archive" -C "$partial" || die "could not unpack $archive"
  [ -x "$partial/$name/bin/atmosphere" ] || die "$archive holds no $name/bin/atmosphere"
  chmod 0755 "$partial/$name"
  if ! check=$(ATMOSPHERE_AOT=off "$partial/$name/bin/atmosphere" --version 2>&1); then
    die "the downloaded build does not run on this machine: $check"
  fi
  rm -rf "$target"
  mv "$partial/$name" "$target"
  rm -rf "$partial"
  partial=""
  say "Installed $(printf '%s' "$check" | head -n 1) in $target"
fi

# The links, each replaced in one rename (a shell running 'atmosphere' never finds it missing)
links | while read -r link inside; do
  path=$PREFIX/$link
  if [ -e "$path" ] || [ -h "$path" ]; then
    if ! is_ours "$path" && [ "$force" = no ]; then
      if [ "$link" = bin/atmosphere ]; then die "$path exists and is not a link this script made; move it away or use --force"; fi
      warn "$path exists and is not a link this script made; left as it is"
      continue
    fi
  fi
  [ -e "$target/$inside" ] || continue
  up=$(printf '%s\n' "$link" | sed 's|[^/]*/|../|g; s|[^/]*$||')
  mkdir -p "$(dirname "$path")"
  ln -s "${up}lib/$name/$inside" "$path.new.$$"
  mv -f "$path.new.$$" "$path"
done
say "Linked $PREFIX/bin/atmosphere -> $target/bin/atmosphere"

others=""
for dir in "$LIB"/atmosphere-*; do
  if [ ! -d "$dir" ] || [ "$dir" = "$target" ]; then continue; fi
  if [ "$prune" = yes ]; then rm -rf "$dir"; say "Removed $dir"; else others="$others ${dir##*/atmosphere-}"; fi
done
if [ -n "$others" ]; then
  say "Kept the other installed versions:$others (in $LIB; --prune removes them, ATMOSPHERE_VERSION=V install.sh switches back)"
fi

# The system node as a service: only as root, only where systemd runs
if [ "$uid" = 0 ] && [ "$service" = yes ]; then
  if ! systemd_running; then
    say "systemd is not running here: no service set up (run 'atmosphere serve' yourself)"
  elif [ -f /usr/lib/systemd/system/atmosphere.service ]; then
    say "The atmosphere package's service is installed; this install leaves it alone (remove the package, or use --no-service)"
  else
    case $PREFIX in
      /home/*|/root*) die "the service cannot run from $PREFIX (ProtectHome hides it); use another --prefix or --no-service" ;;
    esac
    if ! getent passwd atmosphere >/dev/null; then
      useradd --system --user-group --home-dir "$DATA" --no-create-home --shell "$(command -v nologin || echo /usr/sbin/nologin)" atmosphere
      say "Created the system user atmosphere"
    fi
    new=yes
    [ -f "$UNIT" ] && new=no
    sed "s|^ExecStart=/usr/bin/atmosphere |ExecStart=$PREFIX/bin/atmosphere |" "$target/share/systemd/atmosphere.service" > "$UNIT.new.$$"
    chmod 0644 "$UNIT.new.$$"
    mv -f "$UNIT.new.$$" "$UNIT"
    systemctl daemon-reload
    if [ "$new" = yes ]; then
      systemctl enable --now atmosphere.service
      say "Started the service atmosphere (data in $DATA; logs: journalctl -u atmosphere)"
      say "Let yourself use the CLI with it: usermod -aG atmosphere YOUR_USER (then log in again)"
    else
      systemctl try-restart atmosphere.service
      say "Restarted the service atmosphere on $version (if it was running)"
    fi
  fi
elif [ "$uid" = 0 ]; then
  say "No service set up (--no-service)"
fi

case :${PATH:-}: in
  *:"$PREFIX/bin":*) say "Next: atmosphere serve    (then 'atmosphere status' in another terminal)" ;;
  *) say "$PREFIX/bin is not on your PATH; add it (export PATH=\"$PREFIX/bin:\$PATH\" in your shell's profile)."
     say "Next: $PREFIX/bin/atmosphere serve" ;;
esac
