# Shared by Scripts/demo and Scripts/test: find the repository root and make sure the
# Debian packages srd builds against are installed.
set -euo pipefail
SRD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export SRD_ROOT
SRD_PACKAGES=(pkg-config libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libopenblas-dev libdnnl-dev libsqlite3-dev)

# The packages among "$@" that dpkg does not have installed, one per line.
srd_missing_packages() {
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

srd_install_packages() {
    local missing
    mapfile -t missing < <(srd_missing_packages "${SRD_PACKAGES[@]}")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "srd: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "srd: missing system packages; run:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

# Installs packages only tests need (chromium for the dashboard test), as root; elsewhere it
# says what is missing and goes on (those tests skip with a message).
srd_install_test_packages() {
    local missing
    mapfile -t missing < <(srd_missing_packages "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "srd: installing test packages ${missing[*]}" >&2
        apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
            || echo "srd: could not install ${missing[*]}; the tests that need them will skip" >&2
    else
        echo "srd: test packages missing (the tests that need them skip): ${missing[*]}" >&2
    fi
}

# One release configuration for tests, demo and tools, so a user who runs both builds once.
# Testability costs nothing measurable in speed and lets the tests use @testable imports.
SRD_BUILD_FLAGS=(-c release -Xswiftc -enable-testing)

# Builds the srd executable and prints its path. The whole package, not `--product srd`: a
# product-only build once kept a stale executable after a library protocol changed (its
# `srd train` skipped checkpoints: 2026-11-22), and it shares the plan `Scripts/test` uses.
srd_build_binary() {
    swift build "${SRD_BUILD_FLAGS[@]}" >&2
    echo "$(swift build "${SRD_BUILD_FLAGS[@]}" --show-bin-path)/srd"
}

srd_require_swift() {
    command -v swift >/dev/null 2>&1 || { echo "srd: the Swift toolchain (6.0 or newer) is not on PATH" >&2; exit 1; }
}
