#!/usr/bin/env bash
# Installs the Debian packages the tests and the PDF export need, skipping what is present.
#   postgresql      throwaway PostgreSQL servers for the data-layer tests
#   poppler-utils   pdftotext / pdftoppm to read generated PDFs back
#   chromium        the real browser for end-to-end tests (never a downloaded build)
#   fonts-dejavu-core  the Unicode TTF font the PDFs embed
set -euo pipefail
wanted=(postgresql poppler-utils chromium fonts-dejavu-core)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
