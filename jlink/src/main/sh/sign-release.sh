#!/usr/bin/env bash
# Writes SHA256SUMS over every artifact of a release folder and, when a signing key is given, its
# detached OpenPGP signature SHA256SUMS.asc.
#   sign-release.sh RELEASE_DIR
# The key comes from the environment: ATMOSPHERE_SIGNING_KEY_FILE names an armored secret key
# (gpg --armor --export-secret-keys), ATMOSPHERE_SIGNING_PASSPHRASE its passphrase if it has one.
# When it signs, it first writes the key's public half into the folder's install.sh (between the
# RELEASE_KEY heredoc markers), so that script verifies this signature before it installs anything.
# Verify with: sha256sum -c SHA256SUMS && gpg --verify SHA256SUMS.asc SHA256SUMS
set -euo pipefail
cd "$1"
rm -f SHA256SUMS SHA256SUMS.asc
home=""
if [[ -n "${ATMOSPHERE_SIGNING_KEY_FILE:-}" ]]; then
  if ! command -v gpg >/dev/null 2>&1; then
    echo "sign-release: signing needs gpg (Debian: apt-get install gnupg)" >&2
    exit 1
  fi
  home=$(mktemp -d)
  trap 'rm -rf "$home"' EXIT
  gpg --homedir "$home" --batch --quiet --import "$ATMOSPHERE_SIGNING_KEY_FILE"
  if [[ -f install.sh ]]; then
    gpg --homedir "$home" --batch --armor --export > "$home/public.asc"
    # whatever key was there (none in a fresh build) is replaced by this one
    awk -v keyfile="$home/public.asc" '
      skip && $0 == "RELEASE_KEY" { skip = 0 }
      !skip { print }
      $0 == "RELEASE_KEY=$(cat <<'"'"'RELEASE_KEY'"'"'" { while ((getline line < keyfile) > 0) print line; skip = 1 }
    ' install.sh > "$home/install.sh"
    grep -q 'BEGIN PGP PUBLIC KEY BLOCK' "$home/install.sh" || { echo "sign-release: install.sh has no RELEASE_KEY heredoc" >&2; exit 1; }
    cat "$home/install.sh" > install.sh
  fi
fi
files=()
while IFS= read -r f; do files+=("$f"); done < <(LC_ALL=C ls | LC_ALL=C sort)
if command -v sha256sum >/dev/null 2>&1; then
  sha256sum "${files[@]}" > SHA256SUMS
else
  shasum -a 256 "${files[@]}" > SHA256SUMS # macOS: the same "digest  name" lines
fi
if [[ -z "$home" ]]; then
  echo "sign-release: SHA256SUMS written, not signed (set ATMOSPHERE_SIGNING_KEY_FILE to an armored secret key to sign it)"
  exit 0
fi
gpg --homedir "$home" --batch --yes --quiet --pinentry-mode loopback --passphrase "${ATMOSPHERE_SIGNING_PASSPHRASE:-}" \
  --armor --detach-sign --output SHA256SUMS.asc SHA256SUMS
echo "sign-release: SHA256SUMS signed by $(gpg --homedir "$home" --batch --list-secret-keys --with-colons | awk -F: '$1=="fpr" {print $10; exit}')"
