#!/bin/bash
# Runs inside the Scripts/systemd-vm guest (systemd is PID 1): installs srd with
# Packaging/install.sh, starts the shipped unit unchanged and exercises the daemon under it.
# Writes PASS/FAIL lines to out/results.txt, everything else to out/check.log and the daemon's
# journal to out/journal.txt; the guest powers off afterwards.
set -u
S=/mnt/share
OUT=$S/out
RES=$OUT/results.txt
exec >>"$OUT/check.log" 2>&1
: >"$RES"
pass() { echo "PASS $*" | tee -a "$RES"; }
fail() { echo "FAIL $*" | tee -a "$RES"; }
note() { echo "NOTE $*" | tee -a "$RES"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# Waits up to $1 seconds for the file $2; on a time-out logs what the daemon says and holds.
wait_for() {
    local i
    for ((i = 0; i < $1; i++)); do
        [ -e "$2" ] && return 0
        if ((i % 30 == 29)); then echo "-- waiting for $2 (${i}s)"; srd status; fi
        sleep 1
    done
    echo "-- gave up waiting for $2"; srd status; ls -laR /var/lib/srd; journalctl -u srd --no-pager -n 40
    return 1
}
api() { curl -s --unix-socket /run/srd/srd.sock -o /tmp/body -w '%{http_code}' "$@"; }

echo "== guest"; uname -r; systemctl --version | head -1
note "PID 1 is $(ps -p 1 -o comm=), $(systemctl --version | head -1), kernel $(uname -r)"

# The Swift runtime where the binary's RUNPATH looks, as on a machine with the toolchain.
mkdir -p /opt/swift/usr/lib/swift/linux && cp "$S"/swift-runtime/*.so /opt/swift/usr/lib/swift/linux/
cp -r "$S/repo" /root/srd && cd /root/srd || exit 1
check "Packaging/install.sh installs binary, presets, user, unit" \
    env SRD_BINARY="$S/srd" Packaging/install.sh
# Quicker pickup than the shipped defaults, and one submission root for the API test.
sed -i -e 's/^stable_seconds: .*/stable_seconds: 2/' -e 's/^rescan_seconds: .*/rescan_seconds: 5/' /etc/srd/srd.yaml
echo 'submit_roots: [/srv/srd-submit]' >>/etc/srd/srd.yaml
mkdir -p /srv/srd-submit && cp "$S/inputs/clip.mkv" /srv/srd-submit/sub.mkv

check "systemctl enable --now srd returns with the unit active (Type=notify, READY=1)" \
    systemctl enable --now srd
systemctl status srd --no-pager
check "unit is active/running" test "$(systemctl show srd -p SubState --value)" = running
PID=$(systemctl show srd -p MainPID --value)
grep -E 'Uid|NoNewPrivs|Seccomp:|CapEff|CapBnd' "/proc/$PID/status"
check "daemon runs as user srd" test "$(ps -o user= -p "$PID")" = srd
check "seccomp filter is on (SystemCallFilter)" grep -q '^Seccomp:[[:space:]]*2' "/proc/$PID/status"
check "no capabilities (CapabilityBoundingSet=)" grep -q '^CapBnd:[[:space:]]*0000000000000000' "/proc/$PID/status"
check "NoNewPrivileges" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$PID/status"
EXPOSURE=$(systemd-analyze security srd --no-pager | tail -1)
note "live systemd-analyze security srd: $EXPOSURE"
check "srd status (root) reads the socket" srd status
useradd -m -G srd alice
check "srd status as a member of group srd" su alice -c 'srd status'
useradd -m bob
check "srd status as a user outside group srd is refused" bash -c "! su bob -c 'srd status'"

# A job from the inbox: written under a temporary name, renamed when complete.
cp "$S/inputs/clip.mkv" /var/lib/srd/inbox/.clip.mkv.part && mv /var/lib/srd/inbox/.clip.mkv.part /var/lib/srd/inbox/clip.mkv
check "dropped clip.mkv comes out in outbox/" wait_for 300 /var/lib/srd/outbox/clip.mkv
check "its input is archived in done/" wait_for 30 /var/lib/srd/done/clip.mkv
check "its metrics are beside it" test -f /var/lib/srd/outbox/clip.mkv.metrics/summary.json
BACKEND=$(grep -o '"backend" *: *"[^"]*"' /var/lib/srd/outbox/clip.mkv.metrics/summary.json | head -1)
note "summary.json $BACKEND"
check "the worker ran on oneDNN (its JIT works under the unit)" grep -q '"backend" *: *"onednn' /var/lib/srd/outbox/clip.mkv.metrics/summary.json

# A damaged input: refused, kept, explained; the daemon keeps running.
cp "$S/inputs/truncated.mkv" /var/lib/srd/inbox/truncated.mkv
check "truncated input goes to failed/ with its report" wait_for 120 /var/lib/srd/failed/truncated.mkv.error.json
check "truncated input is kept byte for byte" cmp "$S/inputs/truncated.mkv" /var/lib/srd/failed/truncated.mkv
head -c 400 /var/lib/srd/failed/truncated.mkv.error.json; echo

# The socket API under the sandbox.
check "GET /v1/status" test "$(api http://srd/v1/status)" = 200
check "POST /v1/jobs of the job database is 403" \
    test "$(api -X POST -d '{"path":"/var/lib/srd/srd.sqlite"}' http://srd/v1/jobs)" = 403
check "POST /v1/jobs of /etc/passwd is 403" \
    test "$(api -X POST -d '{"path":"/etc/passwd"}' http://srd/v1/jobs)" = 403
check "POST /v1/jobs under submit_roots is 201" \
    test "$(api -X POST -d '{"path":"/srv/srd-submit/sub.mkv","pipeline":"bicubic-x2"}' http://srd/v1/jobs)" = 201
check "POST /v1/uploads is 201" \
    test "$(api --data-binary @"$S/inputs/clip.mkv" 'http://srd/v1/uploads?name=up.mkv&pipeline=bicubic-x2')" = 201
# (bicubic pipelines from here on: the network already ran under the unit, and the emulated
# guest runs it at ~0.1 fps.)
check "submitted file comes out" wait_for 300 /var/lib/srd/outbox/bicubic-x2/sub.mkv
check "submitted file stays where it was (copied, not moved)" cmp "$S/inputs/clip.mkv" /srv/srd-submit/sub.mkv
check "uploaded file comes out" wait_for 300 /var/lib/srd/outbox/bicubic-x2/up.mkv

# Reload, the watchdog (the daemon has been up past WatchdogSec=60 by now), stop.
check "systemctl reload (SIGHUP) keeps it running" bash -c 'systemctl reload srd && sleep 3 && systemctl is-active --quiet srd'
UP=$(( $(date +%s) - $(date -d "$(systemctl show srd -p ActiveEnterTimestamp --value)" +%s) ))
note "daemon up ${UP}s, NRestarts=$(systemctl show srd -p NRestarts --value)"
check "no restart and no watchdog kill" test "$(systemctl show srd -p NRestarts --value)" = 0
check "systemctl stop ends it cleanly" bash -c 'systemctl stop srd && test "$(systemctl show srd -p Result --value)" = success'
journalctl -u srd --no-pager -o short-monotonic >"$OUT/journal.txt"
check "journal has no watchdog timeout" bash -c "! grep -qi 'watchdog timeout' $OUT/journal.txt"
DENIED=$(grep -ci 'operation not permitted\|permission denied\|read-only file system' "$OUT/journal.txt")
note "journal lines mentioning EPERM/EACCES/EROFS: $DENIED"
sync
