#!/usr/bin/env bash
# The base of Driftwatch's images, built on this machine (no registry is needed, none is pulled from):
#   OUT/opt/java    a Java runtime jlink'd from the build's JDK with only MODULES (comma-separated)
#   OUT/lib*, OUT/usr/lib*  the shared libraries that runtime and the native code in the jars need (glibc, libstdc++,
#                   libgcc_s, zlib ...), copied from this machine's Debian as ldd resolves them, dynamic loader included
#   OUT/etc         passwd and group (root, and nonroot with uid/gid 65532), hosts, nsswitch.conf
#   OUT/usr/share/driftwatch/base-packages.txt  the Debian packages (name=version) those libraries came from
#   OUT/usr/bin/... the programs PROGRAMS names (comma-separated, found on PATH), with their libraries: the agent's
#                   image carries runc, which the responder runs to pause, resume and kill containers
# Usage: base-rootfs.sh JAVA_HOME OUT MODULES CLASSPATH [PROGRAMS]
# The image builds (images/*/pom.xml, Jib) put OUT under an empty ("scratch") base.
set -euo pipefail

java_home=$1 out=$2 modules=$3 classpath=${4:-} programs=${5:-}
[ -x "$java_home/bin/jlink" ] || { echo "base-rootfs: no jlink in $java_home (a JDK with jmods is needed: openjdk-17-jdk-headless, openjdk-17-jmods)" >&2; exit 1; }
[ -d "$java_home/jmods" ] || { echo "base-rootfs: $java_home has no jmods/ (Debian: apt-get install openjdk-17-jmods)" >&2; exit 1; }
command -v ldd >/dev/null || { echo "base-rootfs: ldd is needed (Debian: libc-bin)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/usr/share/driftwatch"
# The runtime: only the modules the jars need (jdeps --print-module-deps; src/release.md), no debug symbols or docs.
# java.desktop is there for java.beans (Drools, Jackson); its native AWT, font, colour, JPEG and sound libraries, which
# would bring X11, freetype and ALSA along, are left out: a headless server never loads them.
"$java_home/bin/jlink" --add-modules "$modules" --output "$out/opt/java.tmp" \
  --strip-debug --no-header-files --no-man-pages --compress=2 \
  --exclude-files='**/libawt_xawt.so,**/libsplashscreen.so,**/libjsound.so,**/libfontmanager.so,**/libjawt.so,**/liblcms.so,**/libjavajpeg.so'
# Dereference every link (Debian's lib/security/cacerts points into /etc/ssl): the image has no /etc/ssl.
cp -rL "$out/opt/java.tmp" "$out/opt/java" && rm -rf "$out/opt/java.tmp"

# The ELF files that will run: the runtime's, and the native libraries the jars unpack at run time for Linux x86-64
# (RocksDB, zstd, snappy, lz4, JNA). The musl builds are left out: this base is glibc.
natives=$(mktemp -d)
trap 'rm -rf "$natives"' EXIT
IFS=: read -r -a jars <<<"$classpath"
for jar in "${jars[@]}"; do
  [ -f "$jar" ] || continue
  unzip -Z1 "$jar" 2>/dev/null | grep -E '\.so$' | grep -viE 'musl|aarch64|arm|ppc|s390|riscv|loongarch|i386|x86(/|$)|freebsd|/32/' \
    | grep -iE 'linux|^lib[^/]*\.so$' | while read -r entry; do
      unzip -q -o "$jar" "$entry" -d "$natives/$(basename "$jar")"
    done || true
done

# Programs the image runs besides java, copied from this machine (the package they come from is recorded below).
IFS=, read -r -a wanted <<<"$programs"
for program in "${wanted[@]}"; do
  [ -n "$program" ] || continue
  found=$(command -v "$program") || { echo "base-rootfs: $program is not installed here (Debian: apt-get install $program)" >&2; exit 1; }
  mkdir -p "$out/usr/bin"
  cp -L "$found" "$out/usr/bin/$program"
done

libs=$(mktemp)
find "$out/opt/java" "$natives" $( [ -d "$out/usr/bin" ] && echo "$out/usr/bin" ) -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \) -print0 \
  | while IFS= read -r -d '' elf; do
      # Only dynamic ELF objects; a library ldd cannot resolve here is one nothing in a server JVM loads
      # (AWT's X11 and sound libraries): it is reported, not copied.
      file_header=$(head -c 4 "$elf" | od -An -c | tr -d ' ')
      [ "$file_header" = '177ELF' ] || continue
      { ldd "$elf" 2>/dev/null || true; } | while read -r line; do
        case "$line" in
          libjvm.so*) ;;   # the runtime's own, found beside its libraries when the JVM runs
          *"=> not found"*) echo "base-rootfs: ${elf#"$out"}: ${line%% *} not found (not copied)" >&2 ;;
          *"=> /"*) path=${line#*=> }; echo "${path%% (*}" ;;
          /*) echo "${line%% (*}" ;;
        esac
      done
    done | sort -u >"$libs"

while read -r lib; do
  case "$lib" in "$out"/*|"$natives"/*) continue ;; esac   # the runtime's own libraries are already in place
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"   # under the name the loader looks for (the soname), not the file it links to
done <"$libs"

# Provenance: which Debian package (and version) each copied library and program came from.
{ cat "$libs"; for program in "${wanted[@]}"; do [ -n "$program" ] && command -v "$program"; done; } | while read -r lib; do
  case "$lib" in "$out"/*|"$natives"/*) continue ;; esac
  pkg=$({ dpkg -S "$lib" || dpkg -S "$(readlink -f "$lib")"; } 2>/dev/null | head -n1 | cut -d: -f1 || true)
  [ -n "$pkg" ] && printf '%s=%s\n' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg")"
done | sort -u >"$out/usr/share/driftwatch/base-packages.txt"
printf 'java=%s\nmodules=%s\n' "$("$out/opt/java/bin/java" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/.*java.runtime.version = //p')" "$modules" >"$out/usr/share/driftwatch/runtime.txt"
rm -f "$libs"

cat >"$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$out/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$out/etc/nsswitch.conf"
mkdir -p "$out/home/nonroot" "$out/var/lib/driftwatch"

# The loader must run by itself; the JVM must be able to exec its helper.
"$out/opt/java/bin/java" -version >/dev/null 2>&1 || { echo "base-rootfs: the jlink'd java does not run" >&2; exit 1; }
echo "base-rootfs: $(du -sh "$out" | cut -f1) in $out ($(wc -l <"$out/usr/share/driftwatch/base-packages.txt") Debian packages)"
