#!/usr/bin/env bash
# One entry point for a fresh Debian machine: installs what is missing, configures, builds, runs.
#   scripts/dev.sh run      install, build, start the desktop app (embedded endpoint on, sample data)
#   scripts/dev.sh test     install, build, run every test headless (ctest)
#   scripts/dev.sh build    install and build only
#   scripts/dev.sh bench    install, build optimised, run the benchmarks in tests/bench and print figures
#   scripts/dev.sh fuzz     build the libFuzzer target for codec + validator with clang and run it a while
#   scripts/dev.sh package  build the .deb with CPack
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
command=${1:-build}
shift || true

packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev libqt6opengl6-dev qt6-charts-dev qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev
    libqt6sql6-sqlite qt6-qpa-plugins qtkeychain-qt6-dev libsqlite3-dev zlib1g-dev libsimdjson-dev
    libmicrohttpd-dev fonts-dejavu-core xvfb xauth desktop-file-utils appstream dpkg-dev file
)
case "$command" in
    test) packages+=(nodejs npm dbus gnome-keyring libsecret-1-0 libxml2-utils) ;; # xmllint: JUnit XSD
    bench) packages+=(nodejs npm wrk) ;;
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
esac

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
configure_and_build() {
    local type=$1 dir=$2
    local launcher=()
    command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    local werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    cmake -S "$here" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DINSIGHTS_WERROR=$werror "${launcher[@]}" >/dev/null
    cmake --build "$dir" --parallel "$(nproc)"
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
        configure_and_build RelWithDebInfo "$build_dir"
        export QT_QPA_PLATFORM=offscreen
        if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
            XDG_RUNTIME_DIR=$(mktemp -d)
            chmod 700 "$XDG_RUNTIME_DIR"
            export XDG_RUNTIME_DIR
        fi
        cd "$build_dir"
        ctest --output-on-failure --no-tests=error --label-exclude bench --parallel "$(nproc)" "$@"
        ;;
    bench)
        configure_and_build Release "$here/build-release"
        cd "$here/build-release"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure --no-tests=error --label-regex bench --verbose "$@"
        ;;
    fuzz)
        CC=clang CXX=clang++ cmake -S "$here" -B "$here/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DINSIGHTS_FUZZ=ON -DBUILD_TESTING=ON >/dev/null
        cmake --build "$here/build-fuzz" --target fuzz_event_codec
        mkdir -p "$here/build-fuzz/corpus"
        cp "$here"/tests/data/conformance/*.json "$here/build-fuzz/corpus/" 2>/dev/null || true
        "$here/build-fuzz/tests/fuzz/fuzz_event_codec" -max_total_time="${FUZZ_SECONDS:-60}" \
            "$here/build-fuzz/corpus" "$@"
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
