#!/bin/sh
# Installs the Debian packages that building and testing dndtrack need,
# asking apt-get only for those that are missing; silent when none are.
set -eu

PACKAGES="build-essential pkg-config librdkafka-dev libjansson-dev
libmicrohttpd-dev libsqlite3-dev sqlite3 libjs-chart.js kcat maven
openjdk-17-jre-headless python3 curl clang clang-format chromium valgrind
fonts-noto-color-emoji"

# The browser tests run on node; a node that came another way is kept.
if ! command -v node >/dev/null 2>&1; then
    PACKAGES="$PACKAGES nodejs"
fi
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES="$PACKAGES npm"
fi

missing=""
for pkg in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
    *" ok installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-deps.sh: missing:$missing; run as root or install sudo" >&2
    exit 1
fi

echo "install-deps.sh: installing:$missing" >&2
# sudo drops most of the environment, so the variable goes through env.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
# $missing is a list of package names, split on purpose.
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $missing
