#!/bin/bash
# Records what Linux audit logs while a shell in a real runc container (busybox) changes files.
#
#   record-runc-busybox.sh record WORKDIR [enriched|raw] [files|logs]   # prints CONTAINER=, ROOTFS=, KEY=, LOG=
#   record-runc-busybox.sh cleanup WORKDIR                                # undoes whatever a record left behind
#
# The files session (the default) changes files as an intruder would; the logs session empties logs: shell
# redirections and cp over existing logs (O_TRUNC), a new log-named file in a temp dir (O_CREAT|O_TRUNC), an
# append and a write to /dev/null as controls.
#
# Needs root, runc, a static busybox (busybox-static) and auditd/auditctl (apt-get install runc busybox-static
# auditd). If no auditd is running, one is started on a configuration of its own (log in WORKDIR) and stopped
# at the end; if one is running, its log is used and only the rules added here are removed. The container's
# root is a tmpfs of its own, so the audit watch covers exactly the container's files. Used to make
# adapters/audit/runc-busybox*.log (files) and runc-busybox-logs.log (logs), and by RuncAuditRecordingIT at test
# time.
set -u
MODE=${1:?record or cleanup}
WORK=${2:?work directory}
FORMAT=${3:-enriched}
SESSION=${4:-files}
NAME=dwaudit-$(basename "$WORK" | tr -c 'a-zA-Z0-9\n' '-' | tail -c 20)
BUNDLE=$WORK/bundle
ROOTFS=$BUNDLE/rootfs
STATE=$WORK/runc-state
KEY=dw-$NAME

fail() { echo "record-runc-busybox: $*" >&2; exit 1; }

cleanup() {
    runc --root "$STATE" delete -f "$NAME" >/dev/null 2>&1
    auditctl -W "$ROOTFS/etc/shadow" -p r -k "$KEY-secrets" >/dev/null 2>&1
    auditctl -W "$ROOTFS" -p wax -k "$KEY" >/dev/null 2>&1
    if [ -f "$WORK/auditd.pid" ]; then
        kill "$(cat "$WORK/auditd.pid")" >/dev/null 2>&1
        for _ in $(seq 50); do kill -0 "$(cat "$WORK/auditd.pid")" 2>/dev/null || break; sleep 0.1; done
        rm -f "$WORK/auditd.pid"
        [ -f "$WORK/audit-enabled.orig" ] && auditctl -e "$(cat "$WORK/audit-enabled.orig")" >/dev/null 2>&1
    fi
    mountpoint -q "$ROOTFS" && umount "$ROOTFS"
    return 0
}

if [ "$MODE" = cleanup ]; then cleanup; exit 0; fi
[ "$MODE" = record ] || fail "unknown mode $MODE"
[ "$SESSION" = files ] || [ "$SESSION" = logs ] || fail "unknown session $SESSION (files or logs)"
[ "$(id -u)" = 0 ] || fail "must run as root"
for tool in runc auditd auditctl busybox; do command -v $tool >/dev/null || fail "$tool not installed (apt-get install runc busybox-static auditd)"; done
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" 2>/dev/null | grep -q 'dynamically linked' && fail "$BUSYBOX is dynamically linked: install busybox-static"
trap cleanup EXIT

mkdir -p "$ROOTFS" "$STATE" || fail "cannot create $WORK"
mount -t tmpfs -o size=64m tmpfs "$ROOTFS" || fail "cannot mount a tmpfs on $ROOTFS"
mkdir -p "$ROOTFS"/{bin,etc,tmp,root,usr/bin,proc,sys,dev}
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for applet in $("$ROOTFS/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$ROOTFS/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOTFS/etc/passwd"
echo 'root:x:0:' > "$ROOTFS/etc/group"
if [ "$SESSION" = logs ]; then
    mkdir -p "$ROOTFS/var/log/app"
    printf 'Jan  1 00:00:01 web sshd[42]: Accepted password for root from 10.0.0.5\n' > "$ROOTFS/var/log/messages"
    : > "$ROOTFS/var/log/wtmp"
    printf 'GET / 200\n' > "$ROOTFS/var/log/app/app.log"
fi
(cd "$BUNDLE" && rm -f config.json && runc spec) || fail "runc spec failed"
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"readonly": true/"readonly": false/' \
    -e 's/"sh"$/"sleep", "3600"/' "$BUNDLE/config.json"
grep -q '"sleep", "3600"' "$BUNDLE/config.json" || fail "could not edit $BUNDLE/config.json"

# auditd: our own, unless one runs already (the kernel takes one audit daemon).
AUDIT_PID=$(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}')
if [ -n "$AUDIT_PID" ] && [ "$AUDIT_PID" != 0 ] && kill -0 "$AUDIT_PID" 2>/dev/null; then
    LOG=$(awk -F' *= *' '$1 == "log_file" {print $2}' /etc/audit/auditd.conf 2>/dev/null)
    LOG=${LOG:-/var/log/audit/audit.log}
    echo "using the running auditd (pid $AUDIT_PID) and its log $LOG" >&2
else
    auditctl -s 2>/dev/null | awk '$1 == "enabled" {print $2}' > "$WORK/audit-enabled.orig"
    [ -s "$WORK/audit-enabled.orig" ] || fail "auditctl -s failed: is the kernel built with audit support, and are we allowed to use it (CAP_AUDIT_CONTROL)?"
    LOG=$WORK/audit.log
    mkdir -p "$WORK/auditd"
    sed -e "s#^log_file = .*#log_file = $LOG#" -e 's#^log_group = .*#log_group = root#' \
        -e "s#^log_format = .*#log_format = $(echo "$FORMAT" | tr a-z A-Z)#" \
        -e 's#^flush = .*#flush = INCREMENTAL_ASYNC#' /etc/audit/auditd.conf > "$WORK/auditd/auditd.conf"
    grep -q '^log_format' "$WORK/auditd/auditd.conf" || echo "log_format = $(echo "$FORMAT" | tr a-z A-Z)" >> "$WORK/auditd/auditd.conf"
    chmod 640 "$WORK/auditd/auditd.conf"
    auditd -n -c "$WORK/auditd" > "$WORK/auditd.out" 2>&1 &
    echo $! > "$WORK/auditd.pid"
    for _ in $(seq 100); do [ -s "$LOG" ] && break; sleep 0.1; done
    [ -s "$LOG" ] || { cat "$WORK/auditd.out" >&2; fail "auditd did not start (no $LOG after 10 s)"; }
fi
START_LINES=$(wc -l < "$LOG")

runc --root "$STATE" run -d --bundle "$BUNDLE" "$NAME" </dev/null >/dev/null 2>&1 || fail "runc run failed"
auditctl -w "$ROOTFS" -p wax -k "$KEY" >/dev/null || fail "auditctl -w $ROOTFS failed"
auditctl -w "$ROOTFS/etc/shadow" -p r -k "$KEY-secrets" >/dev/null || fail "auditctl -w $ROOTFS/etc/shadow failed"

# From the host: a file written into the container's root (its PATH names are host paths). Written by a
# new process: one forked before audit was first enabled since boot (this script's shell, on a fresh
# machine) has no audit context, and the kernel never audits its system calls.
bash -c 'echo "root:*:19000:0:99999:7:::" > "$1"' host-write "$ROOTFS/etc/shadow"
sleep 0.2
if [ "$SESSION" = logs ]; then
    # Logs emptied in the container: O_TRUNC of existing files (with content, and empty), cp over a log, the
    # event-generator's O_CREAT|O_TRUNC of a new syslog in a temp dir; an append and /dev/null as controls.
    runc --root "$STATE" exec "$NAME" sh -c '
: > /var/log/messages
: > /var/log/wtmp
cp /dev/null /var/log/app/app.log
echo "GET /health 200" >> /var/log/app/app.log
echo quiet > /dev/null
d=/tmp/falco-event-generator-syscall-ClearLogActivities-rec
mkdir $d && : > $d/syslog
rm -rf $d
touch /tmp/recorded-end
' || fail "runc exec (logs) failed"
    for _ in $(seq 50); do tail -n +"$((START_LINES + 1))" "$LOG" | grep -q 'recorded-end' && break; sleep 0.1; done
    sleep 0.5
    tail -n +"$((START_LINES + 1))" "$LOG" > "$WORK/recorded.log"
    echo "CONTAINER=$NAME"
    echo "ROOTFS=$ROOTFS"
    echo "KEY=$KEY"
    echo "LOG=$WORK/recorded.log"
    exit 0
fi
# In the container, as an intruder would (the chown fails: runc's default set has no CAP_CHOWN).
runc --root "$STATE" exec "$NAME" sh -c '
echo hello > /tmp/note.txt
touch /usr/bin/tool
cp /bin/busybox /usr/bin/tool
chmod u+s /usr/bin/tool
rm /tmp/note.txt
echo data > /tmp/a.txt
mv /tmp/a.txt /tmp/b.txt
echo other > /tmp/c.txt
mv /tmp/c.txt /tmp/b.txt
mkdir /tmp/newdir
rmdir /tmp/newdir
ln -s /bin/busybox /tmp/symlink
ln /tmp/b.txt /tmp/hardlink
chown 1000:1000 /tmp/b.txt 2>/dev/null
echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd
cat /etc/shadow > /dev/null
cd /tmp && touch rel.txt
' || fail "runc exec (1) failed"
sleep 0.2
runc --root "$STATE" exec --cap CAP_CHOWN "$NAME" chown 1000:1000 /tmp/b.txt || fail "runc exec (2) failed"
sleep 0.2
runc --root "$STATE" exec "$NAME" sh -c 'printf "#!/bin/sh\necho pwned\n" > /tmp/dropper && chmod +x /tmp/dropper && /tmp/dropper >/dev/null && cp /bin/busybox /tmp/whoami && chmod 755 /tmp/whoami && /tmp/whoami >/dev/null' \
    || fail "runc exec (3) failed"
# auditd writes asynchronously: wait until the last exec's records are in the log.
for _ in $(seq 50); do tail -n +"$((START_LINES + 1))" "$LOG" | grep -q 'whoami' && break; sleep 0.1; done
sleep 0.5
tail -n +"$((START_LINES + 1))" "$LOG" > "$WORK/recorded.log"
echo "CONTAINER=$NAME"
echo "ROOTFS=$ROOTFS"
echo "KEY=$KEY"
echo "LOG=$WORK/recorded.log"
