#!/usr/bin/env bash
# Installs the Debian packages that rendering letters (WeasyPrint) needs, those missing
# only: Pango and its FreeType backend, HarfBuzz's font subsetter, and the DejaVu fonts
# every letter embeds. On a desktop they come with other packages; on a slim server or
# CI image they do not, and WeasyPrint fails only when the first letter is rendered.
set -euo pipefail

libraries="$(ldconfig -p)"
missing=""
for pair in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
  libharfbuzz-subset.so.0:libharfbuzz-subset0; do
  grep -qF "${pair%%:*}" <<<"$libraries" || missing="$missing ${pair#*:}"
done
for font in DejaVuSans.ttf DejaVuSans-Bold.ttf; do
  if [ ! -f "/usr/share/fonts/truetype/dejavu/$font" ]; then
    missing="$missing fonts-dejavu-core"
    break
  fi
done
if [ -n "$missing" ]; then
  echo "installing for letters:$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
