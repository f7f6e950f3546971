#!/usr/bin/env bash
# Fills plugins/netdoctor.yaml's sha256 values from the release archives of a version:
#   tools/krew-release.sh v0.1.0 DIR     # DIR holds netdoctor-v0.1.0-TARGET.tar.gz
# and sets spec.version and the URIs to that version.
set -euo pipefail
version="$1"; dir="$2"
manifest="$(dirname "$0")/../plugins/netdoctor.yaml"
sed -i -E "s#^(  version: ).*#\1${version}#; s#(releases/download/)v[^/]+/netdoctor-v[^-]+-#\1${version}/netdoctor-${version}-#" "$manifest"
for archive in "$dir"/netdoctor-"$version"-*.tar.gz; do
  name="$(basename "$archive")"
  sum="$(sha256sum "$archive" | cut -d' ' -f1)"
  # The sha256 line follows the uri line of this archive.
  sed -i "\#/${name}\$#{n;s#sha256: .*#sha256: \"${sum}\"#}" "$manifest"
done
echo "updated $manifest for $version"
