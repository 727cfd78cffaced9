#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) into build-fuzz/fuzz/. The core library is
# built by meson with clang into build-fuzz/ under ASan+UBSan and with libFuzzer's coverage
# instrumentation (-fsanitize=fuzzer-no-link), so the fuzzer is guided by the code under test;
# each target is then linked against build-fuzz/liblifelong_core.a with -fsanitize=fuzzer.
# Needs clang and its runtime (Debian: clang-14, libclang-rt-14-dev).
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=build-fuzz
CC_FUZZ=${CC_FUZZ:-clang}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
	echo "build.sh: $CC_FUZZ not found; install clang (Debian: clang-14 libclang-rt-14-dev)" >&2
	exit 1
fi

if [ -f "$out/build.ninja" ] && ! grep -q "$CC_FUZZ" "$out/compile_commands.json" 2>/dev/null; then
	echo "build.sh: $out exists but was not configured with $CC_FUZZ; remove it and run again" >&2
	exit 1
fi
if [ ! -f "$out/build.ninja" ]; then
	CC="$CC_FUZZ" meson setup "$out" -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined"
fi
ninja -C "$out" liblifelong_core.a

pkgs="jansson libmicrohttpd sqlite3 libpq libsodium libcrypto zlib libqrencode libcurl"
cflags=$(pkg-config --cflags $pkgs)
libs=$(pkg-config --libs $pkgs)
mkdir -p "$out/fuzz"
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2086 # word splitting of the flag lists is intended
	"$CC_FUZZ" -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
		-Wmissing-prototypes -fsanitize=fuzzer $san -Isrc $cflags \
		"$src" "$out/liblifelong_core.a" $libs -lcsv -lm -pthread -o "$out/fuzz/$name"
	echo "built $out/fuzz/$name"
done
