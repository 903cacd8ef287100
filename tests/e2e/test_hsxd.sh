#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hsxd against the real module: policy checks, refusing a bad policy, grants
# and denials for unprivileged users (uids 1000 and 1001), narrowing, a file
# that is not the asker's own, garbage, one log line for a flood of denials,
# hsxctl cap list | grant | revoke, revocations that stick to the process
# until a new grant, hsxctl listen hal:caps decoding an end, ends on holder
# exit (also with the file kept open by a child), a restart that revokes
# nothing, SIGHUP reloads: a bad policy keeps the old one and revokes
# nothing, a narrower one revokes what it no longer allows; and hsxd started by
# socket activation (systemd-socket-activate, LISTEN_FDS), which hsxd run by
# hand meanwhile leaves alone.
set -u

here=$(cd "$(dirname "$0")" && pwd)
# The package's /usr/sbin/hsxd in the installed-package run (tests/vm/run --installed).
hsxd=${HSX_E2E_HSXD:-$here/helpers/hsxd}
client=$here/helpers/hsxd-client
work=/tmp/hsxd-e2e
log=$work/hsxd.log
sock=/run/hsx/hsxd.sock
hsxd_pid=""
rm -rf "$work"
mkdir -p "$work"

OUT=$work/out ERR=$work/err
. "$here/helpers/hsxctl_test.sh"

# eventually FILE PATTERN DESCRIPTION: the pattern appears within 10 s (hsxd logs asynchronously).
eventually() {
	for _ in $(seq 100); do
		grep -q -- "$2" "$1" && break
		sleep 0.1
	done
	contains "$1" "$2" "$3"
}

start_hsxd() {
	started=$(grep -c "listening on" "$log" 2>/dev/null)
	"$hsxd" --policy "$work/policy.conf" --stderr 2>>"$log" &
	hsxd_pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && [ "$(grep -c "listening on" "$log")" -gt "${started:-0}" ] && return 0
		sleep 0.1
	done
	not_ok "hsxd did not start"
	sed 's/^/    log: /' "$log"
}

stop_hsxd() {
	[ -n "$hsxd_pid" ] || return 0
	kill "$hsxd_pid"
	wait "$hsxd_pid"
	hsxd_pid=""
}

cleanup() {
	[ -z "$hsxd_pid" ] || kill "$hsxd_pid" 2>/dev/null
	for p in $(cat "$work"/pids 2>/dev/null); do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# A client in the background that holds a capability until killed; sets holder and cap.
hold() {
	"$client" "$@" show hold >"$work/holder.out" 2>&1 &
	holder=$!
	echo "$holder" >>"$work/pids"
	for _ in $(seq 100); do
		grep -q holding "$work/holder.out" && break
		sleep 0.1
	done
	cap=$(awk '/^cap / { print $2 }' "$work/holder.out")
	[ -n "$cap" ] && [ "$cap" != 0 ] && ok "holder $holder has capability $cap" ||
		{ not_ok "holder did not get a capability"; sed 's/^/    /' "$work/holder.out"; }
}

release() {
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
}

# paused N: wait until the background client reached its Nth "pause" step; sets cap to the
# last capability it showed. The bound is the C tests' liveness bound (E2E_LIVENESS_MS, 20 s):
# on the debug kernel, beside the other debug VM, a client once took more than 10 s to print
# its first step, and went on to do every step as expected.
paused() {
	for _ in $(seq 200); do
		grep -q "^paused $1\$" "$work/holder.out" && break
		sleep 0.1
	done
	if grep -q "^paused $1\$" "$work/holder.out"; then
		ok "client $holder reached its pause $1"
	else
		not_ok "client $holder did not reach its pause $1"
		sed 's/^/    /' "$work/holder.out"
	fi
	cap=$(awk '/^cap / { c = $2 } END { print c }' "$work/holder.out")
}

# pausing ARGS...: a client in the background that runs its steps up to its first "pause".
pausing() {
	"$client" "$@" >"$work/holder.out" 2>&1 &
	holder=$!
	echo "$holder" >>"$work/pids"
	paused 1
}

# resume [N]: let the paused client go on, to its pause N, or to its end: then every step
# must have gone as it expected.
resume() {
	kill -USR1 "$holder"
	if [ $# -gt 0 ]; then
		paused "$1"
		return
	fi
	wait "$holder"
	st=$?
	if [ "$st" -eq 0 ]; then
		ok "client $holder: every step as expected"
	else
		not_ok "client $holder: exit $st"
		sed 's/^/    /' "$work/holder.out"
	fi
}

# listening ARGS...: hsxctl listen in the background, once its subscription is in place.
listening() {
	subs=$(cat /sys/hal/mailbox/subscriptions)
	hsxctl listen "$@" >"$work/listen.out" 2>&1 &
	listener=$!
	for _ in $(seq 100); do
		[ "$(cat /sys/hal/mailbox/subscriptions)" -gt "$subs" ] && break
		sleep 0.1
	done
	[ "$(cat /sys/hal/mailbox/subscriptions)" -gt "$subs" ] && ok "hsxctl listen $1 subscribed" ||
		not_ok "hsxctl listen $1 did not subscribe"
}

# heard DESCRIPTION: the listener exited 0 (it had its events).
heard() {
	wait "$listener"
	st=$?
	[ "$st" -eq 0 ] && ok "$1" || { not_ok "$1: hsxctl listen exit $st"; sed 's/^/    /' "$work/listen.out"; }
}

cat >"$work/policy.conf" <<EOF
# the e2e test's policy
version = 1;
lifetime = 600;
rules = (
    {
        name = "client";
        match = { uid = 1000; exe = "$client"; };
        timer = { max_timers = 2; rights = ["read", "write"]; };
        gpio = { pins = "3-4"; rights = ["read"]; };
    },
    {
        name = "other program";
        match = { uid = 1000; exe = "/usr/bin/other"; };
        timer = { max_timers = 64; rights = ["read", "write"]; };
    }
);
EOF
chmod 644 "$work/policy.conf"
cat >"$work/bad.conf" <<'EOF'
rules = (
    { match = { uid = 1000; };
      gpio = { pins = "3, 64"; rights = ["read"]; }; }
);
EOF
chmod 644 "$work/bad.conf"

# ---- the policy, before anything runs -------------------------------------------------------
expect 0 "--check-policy: a valid policy" -- "$hsxd" --check-policy "$work/policy.conf"
contains "$work/out" "valid, 2 rules" "--check-policy counts the rules"
expect 1 "--check-policy: a bad policy" -- "$hsxd" --check-policy "$work/bad.conf"
contains "$work/err" "bad.conf:3: pins: pin 64 is out of range 0..63" "the line and the reason"
expect 1 "hsxd refuses to start on a bad policy" -- "$hsxd" --policy "$work/bad.conf" --stderr
contains "$work/err" "bad.conf:3: pins" "its log names the line"
contains "$work/err" "not starting" "its log says it does not start"
chmod 666 "$work/policy.conf"
expect 1 "hsxd refuses a policy anyone may write" -- "$hsxd" --policy "$work/policy.conf" --stderr
contains "$work/err" "writable by root only" "and says why"
chmod 644 "$work/policy.conf"
expect 2 "hsxd: an unknown option" -- "$hsxd" --frob
expect 1 "hsxctl without hsxd" -- hsxctl cap list
contains "$work/err" "hsxd is not running" "hsxctl says hsxd is not running"

start_hsxd
contains "$log" "adopted 0 live capabilities" "hsxd started with nothing to adopt"
[ "$(stat -c %a "$sock")" = 666 ] && ok "the socket is world-connectable" || not_ok "socket mode $(stat -c %a "$sock")"

# ---- grants and denials ---------------------------------------------------------------------
expect 0 "uid 1000: no timer without a capability, then one" -- \
	"$client" --uid 1000 open:timer timer:EACCES acquire:timer:ok timer:ok timer:ok timer:EDQUOT \
	renew:timer:ok acquire:timer:EEXIST
eventually "$log" "granted capability [0-9]* to pid [0-9]* uid 1000 exe $client: timer read,write max_timers 2 for 600 s" \
	"the grant is logged with who, what and the rule"
contains "$log" "(asked timer read,write,grant max_timers 64; by client)" "and what was asked"
contains "$log" "renewed capability" "the renewal is logged"

expect 0 "uid 1000: gpio narrowed to what the policy allows" -- \
	"$client" --uid 1000 open:gpio acquire:gpio:ok:read,write,irq:3-5 show
contains "$work/out" "read pins 3-4" "granted read on pins 3-4 of read,write,irq on 3-5"

expect 0 "uid 1001: denied" -- "$client" --uid 1001 open:timer acquire:timer:EACCES
contains "$work/out" "no policy rule matches uid 1001" "the client is told why"
eventually "$log" "denied acquire of timer .* uid 1001 exe $client: no policy rule matches" \
	"the denial is logged with who, what and why"
steps=""
for _ in $(seq 30); do steps="$steps acquire:timer:EACCES"; done
# shellcheck disable=SC2086
expect 0 "uid 1001: 30 more denials" -- "$client" --uid 1001 open:timer $steps
n=$(grep -c "denied acquire of timer .* uid 1001" "$log")
[ "$n" -eq 1 ] && ok "31 denials, 1 log line" || not_ok "31 denials gave $n log lines"

expect 0 "a file another process opened is refused" -- "$client" --uid 1000 foreign:timer
contains "$work/out" "not by the process asking" "and the client is told why"
expect 0 "garbage gets EPROTO or EINVAL, and a closed door" -- \
	"$client" --uid 1000 garbage:text:EPROTO garbage:short:EINVAL

# ---- hsxctl cap list, revoke, grant ---------------------------------------------------------
hold --uid 1000 open:timer acquire:timer:ok
expect 0 "cap list" -- hsxctl cap list
contains "$work/out" "^$cap  *$holder  *timer  *read,write  *max_timers 2" "cap list shows it"
expect 0 "cap list --json" -- hsxctl cap list --json
contains "$work/out" "\"id\":$cap,.*\"holder_pid\":$holder,\"exe\":\"$client\"" "and as JSON"
expect 0 "cap revoke ID" -- hsxctl cap revoke "$cap"
contains "$work/out" "1 capability ended" "revoke says how many ended"
eventually "$log" "capability $cap of pid $holder uid 1000 exe $client ended: revoked" \
	"the end is logged"
contains "$log" "revoked capability $cap: 1 ended" "and who revoked it"
expect 1 "cap revoke of an ended one" -- hsxctl cap revoke "$cap"
contains "$work/err" "no live capability has id $cap" "says there is none"
release

hold --uid 1000 open:timer acquire:timer:ok
expect 0 "cap revoke --pid" -- hsxctl cap revoke --pid "$holder"
eventually "$log" "capability $cap of pid $holder .* ended: revoked" "its end is logged"
release

expect 0 "cap grant" -- hsxctl cap grant --uid 1001 timer read,write 1 --for 60
contains "$work/out" "uid 1001 may acquire timer read,write max_timers 1 for 60 s" "grant says what"
expect 0 "uid 1001 acquires under the runtime grant" -- \
	"$client" --uid 1001 open:timer acquire:timer:ok timer:ok timer:EDQUOT
eventually "$log" "uid 1001 .* by grant 1" "the grant it came from is logged"

# ---- an administrator's revocation sticks to the process ------------------------------------
pausing --uid 1000 open:timer acquire:timer:ok show pause timer:EKEYREVOKED acquire:timer:EACCES \
	open:timer acquire:timer:EACCES pause acquire:timer:ok show timer:ok
listening hal:caps --count 1 --json --timeout 20000
expect 0 "cap revoke of a process's capability" -- hsxctl cap revoke "$cap"
contains "$work/out" "1 capability ended; pid $holder is barred from timer until it exits or a new grant" \
	"revoke says the process is barred from the module"
heard "hsxctl listen hal:caps heard the end"
contains "$work/listen.out" "\"mailbox\":\"hal:caps\".*\"module\":\"cap\",\"cap\":{\"id\":$cap,\"module\":\"timer\",\"object\":2,\"objects\":\"max_timers 2\",\"reason\":\"revoked\",\"reason_code\":1,\"holder_pid\":$holder}" \
	"and decoded it: id, object type, object, reason, holder"
revoked=$cap
resume 2
contains "$work/holder.out" "ok - timer:EKEYREVOKED" "the revoked capability denies at once"
n=$(grep -c "ok - acquire:timer:EACCES: EACCES, revoked by admin: no timer capability for this process until an administrator grants it again (hsxctl cap grant)" "$work/holder.out")
[ "$n" -eq 2 ] && ok "the same process is refused the module again, on its file and a new one, and told why" ||
	{ not_ok "refused $n times, not 2"; sed 's/^/    /' "$work/holder.out"; }
eventually "$log" "refused: revoked by admin: acquire of timer .* by pid $holder uid 1000 exe $client" \
	"the refusal is logged as such"
n=$(grep -c "refused: revoked by admin: acquire of timer .* by pid $holder " "$log")
[ "$n" -eq 1 ] && ok "two refusals, one log line" || not_ok "two refusals gave $n log lines"
expect 0 "another process of the same user and program is not barred" -- \
	"$client" --uid 1000 open:timer acquire:timer:ok
expect 0 "a grant after the revocation" -- hsxctl cap grant --uid 1000 timer read 1 --for 60
contains "$work/out" "lifts the revocation of 1 process" "lifts it, and says so"
resume
contains "$work/holder.out" "^cap [0-9]* read,write max_timers 2" \
	"the process acquires again, under the policy and the grant"

pausing --uid 1000 open:timer acquire:timer:ok open:gpio acquire:gpio:ok pause \
	acquire:timer:EACCES acquire:gpio:EACCES pause acquire:timer:ok
expect 0 "cap revoke --pid" -- hsxctl cap revoke --pid "$holder"
contains "$work/out" "2 capabilities ended; pid $holder is barred from every module" \
	"revoke --pid bars the process from every module"
resume 2
expect 0 "a grant of one module" -- hsxctl cap grant --uid 1000 timer read 1 --for 60
resume
expect 1 "a revocation that ends nothing" -- hsxctl cap revoke "$revoked"

# ---- ends -------------------------------------------------------------------------------------
"$client" --uid 1000 open:timer acquire:timer:ok show >"$work/out" 2>&1
cap=$(awk '/^cap / { print $2 }' "$work/out")
eventually "$log" "capability $cap of pid [0-9]* .* ended: holder exited" \
	"a holder that exits: its capability ends, logged"

"$client" --uid 1000 open:timer acquire:timer:ok show forkhold >"$work/out" 2>&1
cap=$(awk '/^cap / { print $2 }' "$work/out")
child=$(awk '/^child / { print $2 }' "$work/out")
echo "$child" >>"$work/pids"
eventually "$log" "exited and left 1 capability live" \
	"a holder that exits while a child keeps its file: hsxd revokes what is left"
eventually "$log" "capability $cap of pid .* ended" "and the end is logged"
kill "$child"

# ---- restart and reload -----------------------------------------------------------------------
hold --uid 1000 open:timer acquire:timer:ok
active=$(cat /sys/hal/caps/active)
stop_hsxd
contains "$log" "capabilities stay live" "hsxd stops without revoking"
[ "$(cat /sys/hal/caps/active)" = "$active" ] && ok "nothing ended as hsxd stopped" ||
	not_ok "active capabilities went from $active to $(cat /sys/hal/caps/active)"
start_hsxd
contains "$log" "adopted 1 live capability of 1 process" "the new hsxd adopts it"
expect 0 "cap list after the restart" -- hsxctl cap list
contains "$work/out" "^$cap " "the capability is still listed"
release
eventually "$log" "capability $cap of pid $holder uid 1000 exe $client ended: holder exited" \
	"an adopted capability's end is logged with its holder"

# A holder of a timer and a gpio capability, through the reloads.
pausing --uid 1000 open:timer acquire:timer:ok show open:gpio acquire:gpio:ok pause \
	timer:EKEYREVOKED acquire:timer:ok show timer:ok timer:EDQUOT pause \
	timer:EKEYREVOKED acquire:timer:EACCES
timer_cap=$(awk '/^cap / { print $2; exit }' "$work/holder.out")
cp "$work/policy.conf" "$work/good.conf"
cp "$work/bad.conf" "$work/policy.conf"
kill -HUP "$hsxd_pid"
eventually "$log" "keeping the previous one (nothing revoked)" "a bad policy on reload keeps the old one"
contains "$log" "policy.conf:3: pins: pin 64 is out of range" "and names the line"
expect 0 "cap list after the bad reload" -- hsxctl cap list
contains "$work/out" "^$timer_cap  *$holder  *timer" "and revokes nothing"
expect 0 "the old policy still grants" -- "$client" --uid 1000 open:timer acquire:timer:ok

# Narrower: one timer instead of two; the gpio rule unchanged.
sed 's/max_timers = 2;/max_timers = 1;/' "$work/good.conf" >"$work/policy.conf"
listening hal:caps --count 1 --timeout 20000
kill -HUP "$hsxd_pid"
eventually "$log" "revoked capability $timer_cap of pid $holder uid 1000 exe $client (timer read,write max_timers 2): policy reload no longer allows all of it: it allows timer read,write max_timers 1 now" \
	"a narrower policy revokes the live capability it no longer allows, and says why"
eventually "$log" "policy reloaded: 2 live capabilities decided again, 1 revoked" "and counts"
heard "hsxctl listen hal:caps heard the reload's revocation"
contains "$work/listen.out" "^hal:caps seq=[0-9]* t=[0-9.]*s cap=$timer_cap module=timer object=0x2 (max_timers 2) reason=revoked holder_pid=$holder dropped=0" \
	"and printed it decoded"
resume 2
contains "$work/holder.out" "^cap [0-9]* read,write max_timers 1" \
	"the application acquires again what the new policy allows"
contains "$work/holder.out" "ok - timer:EDQUOT" "and no more"
expect 0 "cap list after the narrower reload" -- hsxctl cap list
contains "$work/out" "$holder  *gpio  *read  *pins 3-4" "what it still allows stays live"
n=$(grep -c "policy reload no longer allows" "$log")
[ "$n" -eq 1 ] && ok "one revocation, one line" || not_ok "$n lines for one revocation"

# No timer at all for the client: its capability ends, and it is denied.
sed 's/timer = { max_timers = 2; rights = \["read", "write"\]; };//' "$work/good.conf" \
	>"$work/policy.conf"
timer_cap=$cap
kill -HUP "$hsxd_pid"
eventually "$log" "revoked capability $timer_cap of pid $holder .*: policy reload no longer allows it: 1 rule matches uid 1000, but none grants timer" \
	"a policy that allows none of it revokes it"
resume
contains "$work/holder.out" "ok - acquire:timer:EACCES: EACCES, 1 rule matches uid 1000, but none grants timer" \
	"and the application is denied"

printf 'rules = ();\n' >"$work/policy.conf"
kill -HUP "$hsxd_pid"
eventually "$log" "policy reloaded from $work/policy.conf: 0 rules" "a good policy is reloaded"
expect 0 "the new policy denies" -- "$client" --uid 1000 open:timer acquire:timer:EACCES

stop_hsxd
contains "$log" "uid 1001 .*no policy rule matches .*\\[and 30 more like it, not logged\\]" \
	"the flood's count is logged by the time hsxd stops"
# ---- socket activation (hsxd.socket) ------------------------------------------------------
# systemd-socket-activate, systemd's own launcher, listens as hsxd.socket does and starts hsxd
# at the first connection with the socket in LISTEN_FDS: that client and the next are served,
# and the socket stays when hsxd stops, for the next one.
rm -f "$sock"
started=$(grep -c "listening on" "$log")
"$here/helpers/systemd-socket-activate" --seqpacket -l "$sock" \
	"$hsxd" --policy "$work/policy.conf" --stderr 2>>"$log" &
hsxd_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] && ok "systemd-socket-activate listens on $sock" || not_ok "no socket at $sock"
# What hsxd.socket's SocketMode=0666 does (the launcher makes it 0644).
chmod 0666 "$sock"
same "$started" "$(grep -c "listening on" "$log")" "hsxd does not run before a client connects"
# hsxd run by hand meanwhile leaves the socket to its listener: it says so and does not start
# (its probe is the connection that starts the socket-activated one).
expect 1 "hsxd run by hand while the socket is listened on does not start" -- \
	"$hsxd" --policy "$work/policy.conf" --stderr
contains "$ERR" "hsxd.socket (or another hsxd) is listening on $sock" "and says why"
expect 0 "socket-activated hsxd serves a client" -- \
	"$client" --uid 1000 open:timer acquire:timer:EACCES
expect 0 "and the next" -- hsxctl cap list
same $((started + 1)) "$(grep -c "listening on" "$log")" "hsxd started on the connection"
stop_hsxd
[ -S "$sock" ] && ok "hsxd leaves the socket it was given in place" ||
	not_ok "hsxd removed the socket it was given"
# Nobody listens on it now: hsxd run by hand takes the path, and removes its socket at the end.
start_hsxd
expect 0 "hsxd run by hand replaces a stale socket" -- hsxctl cap list
stop_hsxd
[ ! -e "$sock" ] && ok "and removes its own when it stops" || not_ok "$sock left behind"

if grep -qiE "sanitizer|runtime error|segfault" "$log"; then
	not_ok "hsxd's log has errors"
	sed 's/^/    /' "$log"
fi
echo "hsxd: $failures failure(s)"
[ "$failures" -eq 0 ]
