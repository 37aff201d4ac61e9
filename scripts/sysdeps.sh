#!/usr/bin/env bash
# Installs the Debian packages Besvar needs, or names them and stops.
set -euo pipefail

# Python with venv; Pango for WeasyPrint; harfbuzz-subset, without which WeasyPrint
# falls back to a font subsetter about three times slower.
packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# The real clients the document tests open the output with, and the IMAP server the mailbox is read from in
# the tests (Calc opens the Overblik spreadsheet), and the fonts a municipality's Office has for Arial and Calibri (metric-compatible), so that
# LibreOffice sets the DOCX as Word does (CI sets BESVAR_TEST_TOOLS=1).
if [ "${BESVAR_TEST_TOOLS:-0}" = "1" ]; then
  packages+=(libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils qpdf chromium dovecot-imapd fonts-liberation
            fonts-crosextra-carlito)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# python3-venv is only needed when the running python3 cannot make a venv by itself.
if [[ " ${missing[*]} " == *" python3-venv "* ]] && python3 -c 'import ensurepip, venv' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
  read -r -a missing <<<"${missing[*]}"
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "Besvar needs these system libraries (Debian/Ubuntu package names): ${missing[*]}" >&2
  echo "Install them with your package manager, then run make again." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "Besvar needs these Debian packages: ${missing[*]}" >&2
    echo "Run: sudo apt-get install -y ${missing[*]}   (then make again)" >&2
    exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
