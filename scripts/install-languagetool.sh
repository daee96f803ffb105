#!/usr/bin/env bash
# Install the pinned LanguageTool server (English) from Maven Central into
# .cache/languagetool/<version>/lib (or $CLEANER_LANGUAGETOOL_HOME/<version>/lib).
#
# Idempotent: a marker file holding the version makes a second run a quick no-op.
# Needs Java 17+ (to run the server) and Maven (to resolve the jars); nothing else is
# downloaded, so it works wherever Maven Central is reachable.
#
# Usage: bash scripts/install-languagetool.sh          (or: make languagetool)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pom="$root/languagetool/pom.xml"
version="$(sed -n 's:.*<languagetool.version>\(.*\)</languagetool.version>.*:\1:p' "$pom")"
if [[ -z "$version" ]]; then
  echo "install-languagetool: cannot read <languagetool.version> from $pom" >&2
  exit 1
fi
home="${CLEANER_LANGUAGETOOL_HOME:-$root/.cache/languagetool}"
dest="$home/$version"
marker="$dest/INSTALLED"

if [[ -f "$marker" && "$(cat "$marker")" == "$version" && -d "$dest/lib" ]]; then
  echo "LanguageTool $version already installed in $dest"
  exit 0
fi

if ! command -v java >/dev/null 2>&1; then
  echo "install-languagetool: 'java' not found. LanguageTool $version needs Java 17 or newer" >&2
  echo "  (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)." >&2
  exit 1
fi
java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [[ -z "$java_major" || "$java_major" -lt 17 ]]; then
  echo "install-languagetool: LanguageTool $version needs Java 17 or newer; 'java' is version ${java_major:-unknown}." >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "install-languagetool: 'mvn' (Maven) not found; it resolves LanguageTool's jars from Maven Central" >&2
  echo "  (Debian/Ubuntu: apt-get install maven)." >&2
  exit 1
fi

echo "Installing LanguageTool $version (English) from Maven Central into $dest ..."
start=$(date +%s)
partial="$dest/lib.partial"
rm -rf "$partial"
mkdir -p "$dest"
# Resolve into a side folder and rename at the end, so an interrupted install never
# leaves a lib/ that looks complete.
log="$dest/maven.log"
if ! mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$partial" >"$log" 2>&1; then
  cat "$log" >&2
  rm -rf "$partial"
  echo "install-languagetool: Maven could not resolve LanguageTool $version (is Maven Central reachable?); log above." >&2
  exit 1
fi
rm -rf "$dest/lib"
mv "$partial" "$dest/lib"
printf '%s\n' "$version" > "$marker"
jars=$(find "$dest/lib" -name '*.jar' | wc -l)
size=$(du -sh "$dest/lib" | cut -f1)
echo "LanguageTool $version installed: $jars jars, $size, in $(( $(date +%s) - start ))s ($dest/lib)"
