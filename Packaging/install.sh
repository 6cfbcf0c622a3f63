#!/usr/bin/env bash
# Installs srd as a systemd service: binary, presets, unit, user, configuration.
# Usage (as root, from the repository): Packaging/install.sh [PREFIX]   (default /usr/local)
# SRD_BINARY=path installs that build of srd instead of building one (Scripts/systemd-vm does so
# in a guest without the toolchain).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${1:-/usr/local}"
cd "$ROOT"
if [ -z "${SRD_BINARY:-}" ]; then
    swift build -c release --product srd
    SRD_BINARY="$(swift build -c release --show-bin-path)/srd"
fi
install -Dm755 "$SRD_BINARY" "$PREFIX/bin/srd"
if [ -d Pipelines ]; then
    install -d "$PREFIX/share/srd/Pipelines"
    install -m644 Pipelines/*.yaml "$PREFIX/share/srd/Pipelines/"
    if compgen -G "Pipelines/models/*.safetensors" >/dev/null; then
        install -d "$PREFIX/share/srd/Pipelines/models"
        install -m644 Pipelines/models/*.safetensors "$PREFIX/share/srd/Pipelines/models/"
    fi
fi
install -Dm644 docs/DAEMON.md "$PREFIX/share/doc/srd/DAEMON.md"
install -Dm644 Packaging/srd.sysusers.conf /usr/lib/sysusers.d/srd.conf
systemd-sysusers /usr/lib/sysusers.d/srd.conf
[ -e /etc/srd/srd.yaml ] || install -Dm640 -g srd Packaging/srd.yaml /etc/srd/srd.yaml
sed "s#/usr/local/#$PREFIX/#g" Packaging/srd.service > /etc/systemd/system/srd.service
systemctl daemon-reload
echo "installed; start with: systemctl enable --now srd; add users to group srd to use srd status"
