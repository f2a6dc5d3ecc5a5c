#!/usr/bin/env bash
# One entry point for a fresh Debian machine: installs what is missing, configures, builds, runs.
#   scripts/dev.sh run      install, build, start the desktop app (embedded endpoint on, sample data)
#   scripts/dev.sh test     install, build, run every test headless (ctest)
#   scripts/dev.sh test --sanitize   the same with clang, ASan + UBSan + LeakSanitizer (build-sanitize/), fuzzers
#                           included as short tests on their committed corpora
#   scripts/dev.sh build    install and build only
#   scripts/dev.sh bench    install, build optimised, run the benchmarks in tests/bench and print figures
#   scripts/dev.sh fuzz     build the libFuzzer targets (build-sanitize/) and run each for FUZZ_SECONDS (60)
#   scripts/dev.sh package  build the .deb with CPack
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
command=${1:-build}
shift || true
sanitize=false
if [ "$command" = test ] && [ "${1:-}" = --sanitize ]; then
    sanitize=true
    shift
fi

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev
    libqt6sql6-sqlite qt6-qpa-plugins qtkeychain-qt6-dev libsqlite3-dev zlib1g-dev libsimdjson-dev
    libboost-dev libqrencode-dev libcurl4-openssl-dev fonts-dejavu-core xvfb xauth desktop-file-utils appstream dpkg-dev file
)
case "$command" in
    test) packages+=(nodejs npm dbus gnome-keyring libsecret-1-0 libxml2-utils chromium zbar-tools) ;; # xmllint: JUnit XSD; chromium: storefront e2e; zbarimg: QR codes
    bench) packages+=(nodejs npm wrk) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
esac
[ "$sanitize" = true ] && packages+=(clang libclang-rt-14-dev)

install_missing() {
    local missing=()
    for p in "$@"; do
        # npm comes with NodeSource's nodejs: do not ask for Debian's npm where node already works.
        if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
        if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

build_dir=${INSIGHTS_BUILD_DIR:-$here/build}
# configure_and_build TYPE DIR [cmake options] [--target T]
configure_and_build() {
    local type=$1 dir=$2
    shift 2
    local options=() targets=()
    while [ $# -gt 0 ]; do
        if [ "$1" = --target ]; then targets=(--target "$2"); shift 2; else options+=("$1"); shift; fi
    done
    local launcher=()
    if command -v ccache >/dev/null 2>&1; then
        launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
        # Paths relative to the checkout, so that a fresh clone elsewhere (CI) reuses what another built.
        export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$here} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
    fi
    local werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DINSIGHTS_WERROR=$werror "${launcher[@]}" "${options[@]}" >/dev/null
    cmake --build "$dir" --parallel "$(nproc)" "${targets[@]}"
}
# The sanitized tree: clang, ASan + UBSan everywhere, the libFuzzer targets (cmake/InsightsSanitizers.cmake).
# Warnings are the gcc tree's job (-Werror there); this one looks for what only shows at run time.
sanitize_dir=$here/build-sanitize
# -O1 and line tables only: the usual sanitizer build, stack traces with lines, about a third less build time.
configure_sanitized() {
    CC=clang CXX=clang++ CI=false configure_and_build RelWithDebInfo "$sanitize_dir" -DINSIGHTS_FUZZ=ON \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" "$@"
}

run_ctest() {
    export QT_QPA_PLATFORM=offscreen
    if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
        XDG_RUNTIME_DIR=$(mktemp -d)
        chmod 700 "$XDG_RUNTIME_DIR"
        export XDG_RUNTIME_DIR
    fi
    ctest --output-on-failure --no-tests=error --label-exclude bench --parallel "$(nproc)" "$@"
}

install_missing "${packages[@]}"
case "$command" in
    build)
        configure_and_build RelWithDebInfo "$build_dir"
        ;;
    run)
        configure_and_build RelWithDebInfo "$build_dir"
        if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
            echo "No display: starting the app in a virtual X server (xvfb-run)."
            exec xvfb-run -a "$build_dir/app/insights-debugger" "$@"
        fi
        exec "$build_dir/app/insights-debugger" "$@"
        ;;
    test)
        if [ "$sanitize" = true ]; then
            configure_sanitized
            cd "$sanitize_dir"
        else
            configure_and_build RelWithDebInfo "$build_dir"
            cd "$build_dir"
        fi
        run_ctest "$@"
        ;;
    bench)
        configure_and_build Release "$here/build-release"
        cd "$here/build-release"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure --no-tests=error --label-regex bench --verbose "$@"
        ;;
    fuzz)
        # Builds the sanitized tree's fuzzers only, then runs each for FUZZ_SECONDS (tests/fuzz/CMakeLists.txt).
        configure_sanitized --target fuzzers
        for target in $(cat "$sanitize_dir/tests/fuzz/fuzzers.txt"); do
            echo "== $target: ${FUZZ_SECONDS:-60} s"
            sh "$sanitize_dir/tests/fuzz/run-fuzzer" "$target" "${FUZZ_SECONDS:-60}" "$@"
        done
        ;;
    package)
        configure_and_build RelWithDebInfo "$build_dir"
        cd "$build_dir" && cpack -G DEB
        ;;
    *)
        echo "usage: scripts/dev.sh run|test|build|bench|fuzz|package" >&2
        exit 2
        ;;
esac
