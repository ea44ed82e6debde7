#!/usr/bin/env bash
# The harness tests drive a headless Debian Chromium and need xsltproc (the CHT's form transforms).
# Installs them with apt when missing and running as root; otherwise says what to install and fails.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
command -v xsltproc >/dev/null 2>&1 || missing+=(xsltproc)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the harness tests (apt-get)"
  apt-get install -y "${missing[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null; }
  exit 0
fi
echo "the CHT harness tests need: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
