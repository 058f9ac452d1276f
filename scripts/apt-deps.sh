#!/usr/bin/env bash
# Installs the Debian packages care-plans needs, skipping what is present.
#   `apt-deps.sh run`  what the dashboard needs: the fonts the PDFs embed
#     fonts-dejavu-core  DejaVu Sans, the text face
#     fonts-noto-core    Noto Sans for Hebrew, Arabic and Indic scripts DejaVu lacks
#     fonts-noto-cjk     Noto Sans CJK (Chinese, Japanese, Korean)
#     fonts-symbola      monochrome emoji (colour emoji fonts are bitmaps fpdf2 cannot embed)
#   `apt-deps.sh test` and what the tests need too:
#     postgresql     throwaway PostgreSQL servers for the data-layer tests
#     poppler-utils  pdftotext / pdftoppm to read generated PDFs back
#     chromium       the real browser for end-to-end tests (never a downloaded build)
#     nodejs, npm    only when npm is missing: `npm ci` installs the Node tools the tests run
#                    (package.json: Node 22 itself comes from the npm registry)
#     nginx          the reverse proxy of docs/deployment.md, run by the multi-server test
set -euo pipefail
wanted=(fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-symbola)
if [ "${1:-test}" = "test" ]; then
  wanted+=(postgresql poppler-utils chromium nginx)
  command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
fi
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
