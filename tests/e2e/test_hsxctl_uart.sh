#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hsxctl uart on the test board's pair of 16550s wired back to back (ttyS2 <-> ttyS3,
# see tests/vm/run): binding with hsxctl, writing on port 0 and reading on port 1,
# monitoring, configuration as /sys/hal shows it, status, giving the ttys back, map
# --rs485 refused (a 16550 has no RS-485: nothing is bound; what is not a tty is not
# even opened), and bad input (a message
# on stderr and exit 2 for a bad command line, 1 for a failure).
set -u

OUT=/tmp/uart.out ERR=/tmp/uart.err
. "$(dirname "$0")/helpers/hsxctl_test.sh"

# Wait until the kernel counts more mailbox subscriptions than $1 (a monitor is listening).
await_subscription() {
	for _ in $(seq 100); do
		[ "$(cat /sys/hal/mailbox/subscriptions)" -gt "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# Concatenate the "hex" of every JSON event in a file.
event_hex() { sed -n 's/.*"hex":"\([0-9a-f]*\)".*/\1/p' "$1" | tr -d '\n'; }

if [ ! -d /sys/hal/uart ]; then
	not_ok "no /sys/hal/uart: hsx.ko has no UART module"
	exit 1
fi
# Leftovers of another suite.
hsxctl uart unmap 0 >/dev/null 2>&1
hsxctl uart unmap 1 >/dev/null 2>&1

# ---- bad command lines: nothing is done ------------------------------------------
expect 2 "port out of range" -- hsxctl uart map 16 ttyS2
expect 2 "bad tty name" -- hsxctl uart map 0 ../null
expect 2 "baud 0" -- hsxctl uart config 0 --baud 0
expect 2 "unknown parity" -- hsxctl uart config 0 --parity bogus
expect 2 "data bits out of range" -- hsxctl uart config 0 --data 9
expect 2 "two data sources" -- hsxctl uart write 0 hi --file /etc/passwd
expect 2 "odd hex" -- hsxctl uart write 0 --hex 4
expect 2 "read --timeout 0" -- hsxctl uart read 0 --timeout 0
expect 2 "monitor --hex --text" -- hsxctl uart monitor 0 --hex --text
contains /tmp/uart.err "hsxctl" "errors name the tool"
[ ! -e /sys/hal/uart/0 ] && ok "a bad command line bound nothing" || not_ok "port 0 is bound"

# ---- unbound ports ---------------------------------------------------------------
expect 0 "status with no port bound" -- hsxctl uart status
expect 0 "status of an unbound port" -- hsxctl uart status 3
contains /tmp/uart.out "port 3: not bound" "an unbound port says so"
expect 1 "config of an unbound port" -- hsxctl uart config 3
contains /tmp/uart.err "not bound" "the failure says the port is not bound"
expect 1 "write to an unbound port" -- hsxctl uart write 3 hi
expect 1 "read from an unbound port" -- hsxctl uart read 3 --timeout 100
expect 1 "monitor an unbound port" -- hsxctl uart monitor 3 --timeout 100
expect 1 "unmap an unbound port" -- hsxctl uart unmap 3

# ---- RS-485: the 16550 has none (TIOCSRS485 fails with ENOTTY) ------------------------
bad "--rs485 option without --rs485" "need --rs485" -- hsxctl uart map 0 ttyS2 --rts-after-send
bad "--rs485 with both RTS polarities" "not both" -- \
	hsxctl uart map 0 ttyS2 --rs485 --rts-on-send --rts-after-send
expect 1 "map --rs485 on a 16550" -- hsxctl uart map 0 ttyS2 --rs485 --delay-before-ms 1
contains /tmp/uart.err "hsxctl: ttyS2 has no RS-485 mode.*Inappropriate ioctl.*nothing was bound" \
	"the failure says the driver has no RS-485"
[ ! -s /tmp/uart.out ] && ok "a refused --rs485 prints nothing on stdout" ||
	not_ok "stdout: $(cat /tmp/uart.out)"
[ ! -e /sys/hal/uart/0 ] && ok "a refused --rs485 bound nothing" || not_ok "port 0 is bound"
expect 0 "status after the refused --rs485" -- hsxctl uart status
contains /tmp/uart.out "no ports are bound" "no port is bound after the refused --rs485"
stty -F /dev/ttyS2 >/dev/null 2>&1 && ok "ttyS2 still opens" || not_ok "ttyS2 does not open"
expect 1 "map --rs485 to a tty that does not exist" -- hsxctl uart map 5 ttyS77 --rs485
contains /tmp/uart.err "no tty named ttyS77" "the --rs485 failure names the tty"

# ---- RS-485 on what is not a tty: refused before anything opens it ------------------
# (/dev/watchdog opened and closed without its magic close reboots the machine.) With
# strace (beside the tests, from make e2e, when the host has it) the command is watched
# too: it must not open the node at all.
STRACE=
if command -v strace >/dev/null 2>&1; then
	STRACE=strace
elif [ -x "$(dirname "$0")/helpers/strace" ]; then
	STRACE="$(dirname "$0")/helpers/strace"
fi
# never_opens NODE DESCRIPTION -- COMMAND...: COMMAND does not open NODE (strace's word).
never_opens() {
	node=$1 what=$2
	shift 3
	if [ -z "$STRACE" ]; then
		ok "# SKIP $what: no strace in the VM (the check of /sys/class/tty comes first by design)"
		return
	fi
	"$STRACE" -f -qq -e trace=open,openat,openat2 -o /tmp/uart.strace "$@" >/dev/null 2>&1
	if ! grep -q 'open' /tmp/uart.strace; then
		not_ok "$what: strace saw no open at all"
		sed 's/^/    /' /tmp/uart.strace
	elif grep -q "\"$node\"" /tmp/uart.strace; then
		not_ok "$what: it opened $node"
		grep "\"$node\"" /tmp/uart.strace | sed 's/^/    /'
	else
		ok "$what"
	fi
}
# A char device that is not a tty, under a tty's name: the tty class does not list it.
mknod /dev/ttyHSXnot c 1 3 2>/dev/null
for node in null watchdog ttyHSXnot; do
	expect 1 "map --rs485 to /dev/$node" -- hsxctl uart map 5 "$node" --rs485
	if [ -e "/dev/$node" ]; then
		contains /tmp/uart.err "hsxctl: /dev/$node is not a tty.*not opened, nothing was bound" \
			"the refusal says /dev/$node is not a tty"
	else
		contains /tmp/uart.err "hsxctl: there is no tty named $node" \
			"the refusal says there is no tty named $node"
	fi
	[ ! -s /tmp/uart.out ] && ok "the refusal prints nothing on stdout" ||
		not_ok "stdout: $(cat /tmp/uart.out)"
	[ ! -e /sys/hal/uart/5 ] && ok "the refusal for $node bound nothing" || not_ok "port 5 is bound"
	never_opens "/dev/$node" "map --rs485 never opens /dev/$node" -- \
		hsxctl uart map 5 "$node" --rs485
done
rm -f /dev/ttyHSXnot
# A tty's name whose /dev node is another device (the tty class's numbers differ).
VT=$(ls /sys/class/tty 2>/dev/null | grep -x 'tty[0-9][0-9]*' | sort -V | tail -n 1)
if [ -n "$VT" ] && [ -c "/dev/$VT" ]; then
	VTDEV=$(cat "/sys/class/tty/$VT/dev")
	mv "/dev/$VT" "/tmp/$VT.node" && mknod "/dev/$VT" c 1 3
	expect 1 "map --rs485 to a /dev/$VT that is /dev/null" -- hsxctl uart map 5 "$VT" --rs485
	contains /tmp/uart.err "hsxctl: /dev/$VT is not a tty: it is not the device of .*($VTDEV)" \
		"the refusal says /dev/$VT is not the tty $VT"
	never_opens "/dev/$VT" "map --rs485 never opens a /dev/$VT of other numbers" -- \
		hsxctl uart map 5 "$VT" --rs485
	rm -f "/dev/$VT" && mv "/tmp/$VT.node" "/dev/$VT"
else
	ok "# SKIP no virtual console tty to stand a wrong node in for"
fi
# The check's check: strace does see map --rs485 open a tty it sets.
if [ -n "$STRACE" ]; then
	"$STRACE" -f -qq -e trace=open,openat,openat2 -o /tmp/uart.strace \
		hsxctl uart map 5 ttyS2 --rs485 >/dev/null 2>&1
	grep -q '"/dev/ttyS2"' /tmp/uart.strace && ok "strace sees map --rs485 open the tty ttyS2" ||
		{ not_ok "strace did not see /dev/ttyS2 opened"; sed 's/^/    /' /tmp/uart.strace; }
fi

# ---- map ---------------------------------------------------------------------------
expect 0 "map 0 to ttyS2" -- hsxctl uart map 0 ttyS2
expect 0 "map 1 to /dev/ttyS3" -- hsxctl uart map 1 /dev/ttyS3
same ttyS2 "$(cat /sys/hal/uart/0/tty 2>&1)" "/sys/hal/uart/0/tty"
same ttyS3 "$(cat /sys/hal/uart/1/tty 2>&1)" "/sys/hal/uart/1/tty"
if stty -F /dev/ttyS2 >/dev/null 2>&1; then not_ok "ttyS2 opens while bound"; else
	ok "hsx.ko holds ttyS2"; fi
expect 1 "map a bound port" -- hsxctl uart map 0 ttyS2
contains /tmp/uart.err "unbind it first" "the failure says the port is bound"
expect 1 "map a tty another port holds" -- hsxctl uart map 5 ttyS3
expect 1 "map a tty that does not exist" -- hsxctl uart map 5 ttyS77
contains /tmp/uart.err "no tty named ttyS77" "the failure names the tty"
expect 1 "map --rs485 a bound port" -- hsxctl uart map 0 ttyS3 --rs485
contains /tmp/uart.err "port 0 is bound to ttyS2: unbind it first" \
	"--rs485 on a bound port says so, before touching the tty"
expect 1 "map --rs485 a tty hsx.ko holds" -- hsxctl uart map 5 ttyS2 --rs485
contains /tmp/uart.err "ttyS2 is in use" "--rs485 on a held tty says it is in use"
[ ! -e /sys/hal/uart/5 ] && ok "the refused --rs485 maps bound nothing" || not_ok "port 5 is bound"
expect 0 "hsxctl status" -- hsxctl status
contains /tmp/uart.out "/sys/hal/uart" "hsxctl status lists the UART module"

# ---- config ------------------------------------------------------------------------
expect 0 "show the config" -- hsxctl uart config 0
contains /tmp/uart.out "port=0 tty=ttyS2 baud=115200 baud_actual=115200 data=8 parity=none" \
	"the config of a new binding is 115200 8N1"
expect 0 "config 57600 7E2" -- hsxctl uart config 0 --baud 57600 --data 7 --parity even --stop 2
contains /tmp/uart.out "baud_actual=57600" "config prints the achieved rate"
same "57600 7E2 none" "$(cat /sys/hal/uart/0/config)" "/sys/hal shows 57600 7E2"
expect 0 "config changes one setting" -- hsxctl uart config 0 --parity odd --json
contains /tmp/uart.out '"parity":"odd"' "config --json"
same "57600 7O2 none" "$(cat /sys/hal/uart/0/config)" "the other settings stay"
expect 1 "a rate the 16550 cannot do" -- hsxctl uart config 0 --baud 16000000
same "57600 7O2 none" "$(cat /sys/hal/uart/0/config)" "a refused config changes nothing"
expect 0 "config back to 115200 8N1" -- \
	hsxctl uart config 0 --baud 115200 --data 8 --parity none --stop 1 --flow none
same "115200 8N1 none" "$(cat /sys/hal/uart/0/config)" "/sys/hal shows 115200 8N1"

# ---- write on 0, read and monitor on 1 ----------------------------------------------
hsxctl uart read 1 --timeout 200 >/dev/null 2>&1 # whatever the binding brought, if anything
subs=$(cat /sys/hal/mailbox/subscriptions)
hsxctl uart monitor 1 --json >/tmp/monitor.out 2>/tmp/monitor.err &
mon=$!
await_subscription "$subs" && ok "monitor subscribed" || not_ok "monitor did not subscribe"

expect 0 "write text" -- hsxctl uart write 0 "hello, uart"
expect 0 "read --count" -- hsxctl uart read 1 --count 11 --timeout 5000
same "hello, uart" "$(cat /tmp/uart.out)" "read returns what was written"

expect 0 "write hex" -- hsxctl uart write 0 --hex "00 ff:0d-0a"
expect 0 "read --hex" -- hsxctl uart read 1 --count 4 --hex --timeout 5000
same "00ff0d0a" "$(cat /tmp/uart.out)" "hex both ways"

want=68656c6c6f2c207561727400ff0d0a # "hello, uart" and 00 ff 0d 0a
for _ in $(seq 100); do
	case "$(event_hex /tmp/monitor.out)" in *"$want") break ;; esac
	sleep 0.05
done
case "$(event_hex /tmp/monitor.out)" in
*"$want") ok "monitor --json shows every byte" ;;
*) not_ok "monitor --json: $(event_hex /tmp/monitor.out), wanted $want"; cat /tmp/monitor.err ;;
esac
contains /tmp/monitor.out '"port":1,"seq":[0-9]*,"kind":"data","offset":[0-9]*,' "monitor events name the port"
contains /tmp/monitor.out '"text":"h' "monitor --json has the text (the bytes may come in several events)"
contains /tmp/monitor.out '"dropped":0' "monitor reports drops"
kill -TERM "$mon"
wait "$mon"
same 0 "$?" "monitor exits 0 on SIGTERM"

# A file and standard input; the data leaves before write returns.
seq 1 400 >/tmp/uart.file
size=$(wc -c </tmp/uart.file)
expect 0 "write --file" -- hsxctl uart write 0 --file /tmp/uart.file
hsxctl uart read 1 --count "$size" --timeout 10000 >/tmp/uart.back 2>/tmp/uart.err
cmp -s /tmp/uart.file /tmp/uart.back && ok "a $size-byte file arrives intact" ||
	not_ok "the file arrived as $(wc -c </tmp/uart.back) different bytes"
printf 'from stdin' | hsxctl uart write 0 --file - 2>/tmp/uart.err
same 0 "$?" "write --file -"
expect 0 "read without --count" -- hsxctl uart read 1 --timeout 5000
contains /tmp/uart.out "^from" "read without --count returns what is there"
hsxctl uart read 1 --timeout 300 >/dev/null 2>&1 # the rest, if it was cut

# read waits for bytes that come later; and fails when they do not come.
hsxctl uart read 1 --count 3 --timeout 10000 >/tmp/uart.later 2>&1 &
reader=$!
sleep 0.3
hsxctl uart write 0 xyz
wait "$reader"
same 0 "$?" "read waits for bytes"
same xyz "$(cat /tmp/uart.later)" "read got the bytes that came later"
expect 1 "read times out" -- hsxctl uart read 1 --timeout 200
contains /tmp/uart.err "no bytes came on port 1 within 200 ms" "the timeout is reported"
hsxctl uart write 0 ab
expect 1 "read --count times out short" -- hsxctl uart read 1 --count 5 --timeout 500
same ab "$(cat /tmp/uart.out)" "what came is written before the failure"
expect 1 "monitor --timeout" -- hsxctl uart monitor 1 --timeout 200
subs=$(cat /sys/hal/mailbox/subscriptions)
hsxctl uart monitor 1 --count 1 --hex --timeout 10000 >/tmp/monitor.out 2>&1 &
mon=$!
await_subscription "$subs" || not_ok "monitor did not subscribe"
hsxctl uart write 0 Q
wait "$mon"
same 0 "$?" "monitor --count 1 exits after one event"
contains /tmp/monitor.out "port=1 .* hex=51 dropped=0" "monitor --hex prints one line per event"

# ---- status --------------------------------------------------------------------------
expect 0 "status of port 0" -- hsxctl uart status 0
contains /tmp/uart.out "port 0: ttyS2 (bound by map)" "status names the tty"
contains /tmp/uart.out "config *115200 8N1 none" "status shows the config"
tx=$(cat /sys/hal/uart/0/tx_bytes)
contains /tmp/uart.out "tx_bytes *$tx\$" "status counts what was sent ($tx bytes)"
expect 0 "status of every port, JSON" -- hsxctl uart status --json
contains /tmp/uart.out '"tty":"ttyS3"' "status --json lists port 1"
contains /tmp/uart.out "\"rx_bytes\":$(cat /sys/hal/uart/1/rx_bytes)" "status --json counts"

# ---- unmap gives the tty back ------------------------------------------------------------
subs=$(cat /sys/hal/mailbox/subscriptions)
hsxctl uart monitor 1 >/tmp/monitor.out 2>/tmp/monitor.err &
mon=$!
await_subscription "$subs" || not_ok "monitor did not subscribe"
expect 0 "unmap 1" -- hsxctl uart unmap 1
wait "$mon"
same 1 "$?" "a monitor of an unbound port exits 1"
contains /tmp/monitor.err "unbound" "it says the port was unbound"
[ ! -e /sys/hal/uart/1 ] && ok "/sys/hal/uart/1 is gone" || not_ok "/sys/hal/uart/1 remains"
stty -F /dev/ttyS3 >/dev/null 2>&1 && ok "ttyS3 opens again" || not_ok "ttyS3 does not open"
expect 0 "map 0 \"\" unbinds" -- hsxctl uart map 0 ""
stty -F /dev/ttyS2 >/dev/null 2>&1 && ok "ttyS2 opens again" || not_ok "ttyS2 does not open"
expect 1 "unmap again" -- hsxctl uart unmap 0
expect 0 "status with no port bound" -- hsxctl uart status
contains /tmp/uart.out "no ports are bound" "every port was given back"

echo "hsxctl uart: $failures failure(s)"
[ "$failures" -eq 0 ]
