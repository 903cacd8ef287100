#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hsxctl against the real module: status, timers, listening, and bad input
# (a message on stderr and exit 2 for a bad command line, 1 for a failure).
set -u

OUT=/tmp/hsxctl.out ERR=/tmp/hsxctl.err
. "$(dirname "$0")/helpers/hsxctl_test.sh"

expect 0 "status" -- hsxctl status
contains /tmp/hsxctl.out "$(cat /sys/hal/version)" "status shows the version"
contains /tmp/hsxctl.out "timer" "status lists the timer module"

expect 0 "status --json" -- hsxctl status --json
contains /tmp/hsxctl.out '"version"' "status --json has a version key"

expect 0 "timer create with --count" -- hsxctl timer create 2000 --count 3
lines=$(grep -c 'tick_us' /tmp/hsxctl.out)
[ "$lines" -eq 3 ] && ok "timer create printed 3 expiries" || not_ok "timer create printed $lines expiries"

expect 0 "one-shot timer" -- hsxctl timer create 5000 --one-shot --json
contains /tmp/hsxctl.out '"timer":' "one-shot --json names the timer"
contains /tmp/hsxctl.out '"one_shot":true' "one-shot --json says it is one-shot"

# A background timer to list, listen to, and cancel from another process.
hsxctl timer create 100000 >/tmp/hsxctl.bg 2>&1 &
bg=$!
id=""
for _ in $(seq 100); do
	id=$(ls /sys/hal/timer | grep -E '^[0-9]+$' | head -n 1)
	[ -n "$id" ] && break
	sleep 0.1
done
[ -n "$id" ] && ok "background timer $id exists" || not_ok "background timer did not appear"

expect 0 "timer list" -- hsxctl timer list
contains /tmp/hsxctl.out "$id" "timer list shows timer $id"

expect 0 "listen --count 2" -- hsxctl listen "hal:timer:$id" --count 2 --json
[ "$(grep -c '"seq"' /tmp/hsxctl.out)" -eq 2 ] && ok "listen printed 2 JSON events" ||
	not_ok "listen printed $(grep -c '"seq"' /tmp/hsxctl.out) JSON events"

expect 0 "timer cancel through the admin node" -- hsxctl timer cancel "$id"
[ ! -e "/sys/hal/timer/$id" ] && ok "timer $id is gone" || not_ok "timer $id still exists"
wait "$bg"
rc=$?
[ "$rc" -ne 0 ] && ok "the creator noticed its timer was cancelled (exit $rc)" ||
	not_ok "the creator exited 0 although its timer was cancelled"

expect 1 "listen to a mailbox that does not exist" -- hsxctl listen hal:timer:32000 --count 1
expect 1 "cancel a timer that does not exist" -- hsxctl timer cancel 32000

# A timer that will not fire for an hour: listening to it times out.
hsxctl timer create 3600000000 >/dev/null 2>&1 &
bg=$!
slow=""
for _ in $(seq 100); do
	slow=$(ls /sys/hal/timer | grep -E '^[0-9]+$' | head -n 1)
	[ -n "$slow" ] && break
	sleep 0.1
done
expect 1 "listen that times out" -- hsxctl listen "hal:timer:$slow" --timeout 50
contains /tmp/hsxctl.err "hsxctl" "the timeout is reported"
kill "$bg"
wait "$bg" 2>/dev/null

expect 2 "unknown command" -- hsxctl frobnicate
expect 2 "bad number" -- hsxctl timer create 12x
expect 2 "negative number" -- hsxctl timer create -5
expect 2 "period out of range" -- hsxctl timer create 0
expect 2 "missing argument" -- hsxctl listen
expect 2 "unknown option" -- hsxctl status --frob
contains /tmp/hsxctl.err "hsxctl" "errors name the tool"

# ---- gpio, on gpio-sim when the kernel has it ----------------------------------
expect 2 "gpio: bad pin" -- hsxctl gpio get 64
expect 2 "gpio: bad mode" -- hsxctl gpio config 3 --mode sideways
expect 1 "gpio: an unbound pin" -- hsxctl gpio get 45
expect 0 "gpio info lists bindings" -- hsxctl gpio info
sim=/sys/kernel/config/gpio-sim/hsxctl-e2e
if [ -d /sys/kernel/config/gpio-sim ]; then
	mkdir -p "$sim/bank0/line1"
	echo 4 > "$sim/bank0/num_lines"
	echo hsxctl-sim > "$sim/bank0/label"
	echo relay > "$sim/bank0/line1/name"
	echo 1 > "$sim/live"
	lines=/sys/devices/platform/$(cat "$sim/dev_name")/$(cat "$sim/bank0/chip_name")
	expect 0 "gpio map" -- hsxctl gpio map 50 hsxctl-sim 0
	expect 0 "gpio map" -- hsxctl gpio map 51 hsxctl-sim 1
	expect 0 "gpio info of a bound pin" -- hsxctl gpio info 51 --json
	contains /tmp/hsxctl.out "hsxctl-sim" "info names the chip"

	# An output held by a background hsxctl: the simulated line follows it.
	hsxctl gpio set 51 1 --hold >/dev/null 2>&1 &
	hold=$!
	for _ in $(seq 100); do [ "$(cat "$lines/sim_gpio1/value")" = 1 ] && break; sleep 0.1; done
	[ "$(cat "$lines/sim_gpio1/value")" = 1 ] && ok "gpio set --hold drives the line" ||
		not_ok "gpio set --hold: the line is $(cat "$lines/sim_gpio1/value")"
	kill "$hold"; wait "$hold" 2>/dev/null

	# An input: get follows the simulated pull; monitor prints edges.
	echo pull-down > "$lines/sim_gpio0/pull"
	expect 0 "gpio get" -- hsxctl gpio get 50
	contains /tmp/hsxctl.out "0" "gpio get reads 0"
	hsxctl gpio monitor 50 --edge both --count 2 --json >/tmp/monitor.out 2>&1 &
	mon=$!
	for _ in $(seq 100); do [ "$(cat /sys/hal/gpio/50/edge)" = both ] && break; sleep 0.1; done
	echo pull-up > "$lines/sim_gpio0/pull"
	sleep 0.2
	echo pull-down > "$lines/sim_gpio0/pull"
	wait "$mon"
	rc=$?
	[ "$rc" -eq 0 ] && ok "gpio monitor ended after 2 edges" || not_ok "gpio monitor exited $rc"
	contains /tmp/monitor.out '"rising"' "monitor saw the rising edge"
	contains /tmp/monitor.out '"falling"' "monitor saw the falling edge"
	expect 1 "gpio set on an unbound pin" -- hsxctl gpio set 46 1
	expect 0 "gpio unmap" -- hsxctl gpio unmap 50
	hsxctl gpio unmap 51 >/dev/null 2>&1
	echo 0 > "$sim/live"
	rmdir "$sim/bank0/line1" "$sim/bank0" "$sim"
else
	echo "# no gpio-sim in this kernel (the debug kernel's run covers GPIO): the gpio commands were checked without hardware only"
fi

echo "hsxctl: $failures failure(s)"
[ "$failures" -eq 0 ]
