#!/usr/bin/env bash
# Re-vendor Leaflet from npm into src/carpathia/web/static/vendor/leaflet (no CDN at run time).
# Usage: scripts/vendor_web_assets.sh [VERSION]   (default: the version recorded in VENDORED.md)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/carpathia/web/static/vendor/leaflet"
version="${1:-1.9.4}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "leaflet@$version" >/dev/null)
tgz="$(ls "$tmp"/leaflet-*.tgz)"
tar -xzf "$tgz" -C "$tmp"
rm -rf "$dest"
mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
sha="$(sha256sum "$tgz" | cut -d' ' -f1)"
cat > "$root/src/carpathia/web/static/vendor/VENDORED.md" <<MD
# Vendored web assets

Served by \`carpathia serve\` from the package itself: the command post runs without internet,
so no page loads anything from a CDN.

| Package | Version | Licence | Source | Files |
|---|---|---|---|---|
| Leaflet | $version | BSD-2-Clause (see leaflet/LICENSE) | npm \`leaflet@$version\` (tarball sha256 \`$sha\`) | dist/leaflet.js, dist/leaflet.css, dist/images/*.png |

Re-vendor with \`scripts/vendor_web_assets.sh [VERSION]\` (needs npm and network once, at
development time only).
MD
echo "vendored leaflet $version into $dest"
