#!/bin/sh
# Builds liboxenhost.so, the JNI library of org.oxen.x86.host, for Linux x86-64.
# Usage: build.sh JAVA_HOME OUTPUT_DIR   (called by the module's pom at the compile phase)
set -eu
java_home=$1
out=$2
here=$(dirname "$0")
case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) ;;
    *) echo "org.oxen.x86.host: the host library is written for Linux x86-64, not $(uname -s)/$(uname -m)" >&2; exit 1 ;;
esac
[ -f "$java_home/include/jni.h" ] || { echo "org.oxen.x86.host: no jni.h under $java_home/include (a JDK, not a JRE, must run Maven)" >&2; exit 1; }
mkdir -p "$out"
${CC:-gcc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror \
    -fstack-protector-strong -D_FORTIFY_SOURCE=2 -D_GNU_SOURCE \
    -I"$java_home/include" -I"$java_home/include/linux" \
    -Wl,-z,relro,-z,now,-z,noexecstack \
    -o "$out/liboxenhost.so" "$here/oxenhost.c"
