#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hsxctl fram on the test board's simulated parts (hsx_fram_sim.ko: "hsx-fram-sim0"
# 32 KiB, "hsx-fram-sim2" 4 KiB read-only): binding with hsxctl, info as /sys/hal shows
# it, bytes written as hex, text and files and read back as xxd prints them and as JSON,
# compared with the nvmem device's own file (the kernel's view, the independent peer),
# wear counts, power-fail-safe records (a corrupt slot included), status, unbinding, and
# bad input (a message on stderr and exit 2 for a bad command line, 1 for a failure).
# Every device is left unbound.
set -u

OUT=/tmp/fram.out ERR=/tmp/fram.err
. "$(dirname "$0")/helpers/hsxctl_test.sh"

NV0=/sys/bus/nvmem/devices/hsx-fram-sim0/nvmem

# The kernel's bytes of the part: LEN from ADDR of an nvmem file, in hex.
peer_hex() { dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; }

if [ ! -d /sys/hal/fram ]; then
	not_ok "no /sys/hal/fram: hsx.ko has no FRAM module"
	exit 1
fi
if [ ! -r "$NV0" ]; then
	not_ok "no $NV0: hsx_fram_sim.ko is not loaded"
	exit 1
fi
# Leftovers of another suite.
for dev in 0 1 2 3 4 5 6 7; do hsxctl fram unmap $dev >/dev/null 2>&1; done

# ---- bad command lines: nothing is done ------------------------------------------
bad "device out of range" "DEV '8' is out of range (0..7)" -- hsxctl fram map 8 hsx-fram-sim0
bad "a bad nvmem name" "invalid NVMEM '../x'" -- hsxctl fram map 0 ../x
bad "an unknown subcommand" "unknown command 'fram frob'" -- hsxctl fram frob
bad "no subcommand" "missing subcommand" -- hsxctl fram
bad "missing arguments" "missing argument; usage: hsxctl fram read DEV ADDR LEN" -- \
	hsxctl fram read 0 0
bad "len 0" "LEN '0' is out of range" -- hsxctl fram read 0 0 0
bad "a bad address" "invalid ADDR '0xq'" -- hsxctl fram read 0 0xq 1
bad "bad hex" "invalid HEX" -- hsxctl fram write 0 0 abc
bad "no data" "no data" -- hsxctl fram write 0 0
bad "hex and a file" "not two" -- hsxctl fram write 0 0 00 --file /etc/passwd
bad "--json and --raw" "--json or --raw, not both" -- hsxctl fram read 0 0 1 --json --raw
bad "a slot size not a multiple of 8" "not a multiple of 8" -- hsxctl fram record get 0 0 60 2 0
bad "too few slots" "SLOTS '1' is out of range (2..16)" -- hsxctl fram record get 0 0 64 1 0
bad "a payload larger than a slot" "9 bytes are too many: at most 8" -- \
	hsxctl fram record set 0 0 32 2 0 000102030405060708
[ ! -e /sys/hal/fram/0 ] && ok "a bad command line bound nothing" || not_ok "device 0 is bound"

# ---- unbound devices ---------------------------------------------------------------
expect 0 "info with no device bound" -- hsxctl fram info
contains /tmp/fram.out "no devices are bound" "info says none is bound"
expect 0 "info of an unbound device" -- hsxctl fram info 3
contains /tmp/fram.out "^3 *(not bound)" "an unbound device says so"
expect 0 "info --json of an unbound device" -- hsxctl fram info 3 --json
same '{"dev":3,"bound":false}' "$(cat /tmp/fram.out)" "info --json of an unbound device"
expect 1 "read an unbound device" -- hsxctl fram read 3 0 1
contains /tmp/fram.err "device 3 is not bound to an nvmem device" "the failure says it is not bound"
expect 1 "write an unbound device" -- hsxctl fram write 3 0 00
expect 1 "wear of an unbound device" -- hsxctl fram wear 3 0
expect 1 "unmap an unbound device" -- hsxctl fram unmap 3
contains /tmp/fram.err "device 3 is not bound" "unmap says it is not bound"

# ---- map -----------------------------------------------------------------------------
expect 0 "map 0 to hsx-fram-sim0" -- hsxctl fram map 0 hsx-fram-sim0
same "device 0 bound to hsx-fram-sim0" "$(cat /tmp/fram.out)" "map says what it bound"
same hsx-fram-sim0 "$(cat /sys/hal/fram/0/nvmem 2>&1)" "/sys/hal/fram/0/nvmem"
expect 0 "map 1 to the read-only hsx-fram-sim2" -- hsxctl fram map 1 hsx-fram-sim2
expect 1 "map a bound device" -- hsxctl fram map 0 hsx-fram-sim1
contains /tmp/fram.err "device 0 is bound to hsx-fram-sim0: unbind it first" \
	"the failure says the device is bound"
expect 1 "map an nvmem device another device holds" -- hsxctl fram map 5 hsx-fram-sim0
contains /tmp/fram.err "hsx-fram-sim0 is bound to another device" "the failure says who holds it"
expect 1 "map an nvmem device that does not exist" -- hsxctl fram map 5 nosuch
contains /tmp/fram.err "no nvmem device named nosuch" "the failure names it"
[ ! -e /sys/hal/fram/5 ] && ok "failed maps bound nothing" || not_ok "device 5 is bound"

# ---- info ----------------------------------------------------------------------------
size=$(cat /sys/hal/fram/0/size)
reserved=$(cat /sys/hal/fram/0/reserved)
same 32768 "$((size + reserved))" "size and reserved make the part ($size + $reserved)"
expect 0 "info" -- hsxctl fram info
contains /tmp/fram.out "^DEV  NVMEM  *SIZE  *PART_SIZE  *RESERVED  *BLOCK .*FLAGS" "info has a header"
contains /tmp/fram.out "^0    hsx-fram-sim0  *$size  *32768  *$reserved  *256  .* -\$" \
	"info shows device 0 as /sys/hal does"
contains /tmp/fram.out "^1    hsx-fram-sim2  *4096  *4096  *0  *256  .* read-only,wear-volatile\$" \
	"info shows device 1 read-only"
writes=$(cat /sys/hal/fram/0/writes)
set -- $(cat /sys/hal/fram/0/wear_max)
expect 0 "info 0 --json" -- hsxctl fram info 0 --json
same "{\"dev\":0,\"bound\":true,\"nvmem\":\"hsx-fram-sim0\",\"size\":$size,\"part_size\":32768,\"reserved\":$reserved,\"block_size\":256,\"flags\":[],\"writes\":$writes,\"wear_max\":{\"count\":$1,\"block\":$2}}" \
	"$(cat /tmp/fram.out)" "info --json is exact"
expect 0 "info --json of every device" -- hsxctl fram info --json
contains /tmp/fram.out '^\[{"dev":0,.*},{"dev":1,"bound":true,"nvmem":"hsx-fram-sim2",.*"flags":\["read-only","wear-volatile"\].*}\]$' \
	"info --json lists both devices"

# ---- write and read ---------------------------------------------------------------------
expect 0 "write text" -- hsxctl fram write 0 0x10 --text "hello, fram"
same "11 bytes written to device 0 at 0x10" "$(cat /tmp/fram.out)" "write says how many"
expect 0 "read it back" -- hsxctl fram read 0 0x10 11
same "00000010: 6865 6c6c 6f2c 2066 7261 6d              hello, fram" "$(cat /tmp/fram.out)" \
	"read prints as xxd"
expect 0 "read --json" -- hsxctl fram read 0 16 11 --json
same '{"dev":0,"addr":16,"data":"68656c6c6f2c206672616d"}' "$(cat /tmp/fram.out)" "read --json"
same 68656c6c6f2c206672616d "$(peer_hex "$NV0" 16 11)" "the nvmem device holds the text"
expect 0 "read --raw" -- hsxctl fram read 0 0x10 11 --raw
same "hello, fram" "$(cat /tmp/fram.out)" "read --raw gives the bytes"

expect 0 "write hex across a block's end" -- hsxctl fram write 0 0xfe de ad:be-ef 00 ff
same "6 bytes written to device 0 at 0xfe" "$(cat /tmp/fram.out)" "six bytes"
expect 0 "read the hex back" -- hsxctl fram read 0 254 6 --json
same '{"dev":0,"addr":254,"data":"deadbeef00ff"}' "$(cat /tmp/fram.out)" "hex both ways"
same deadbeef00ff "$(peer_hex "$NV0" 254 6)" "the nvmem device holds the bytes"

# A file of 3000 bytes, and standard input; compared with the kernel's bytes.
seq 1 1000 | head -c 3000 >/tmp/fram.file
expect 0 "write --file" -- hsxctl fram write 0 0x400 --file /tmp/fram.file
same "3000 bytes written to device 0 at 0x400" "$(cat /tmp/fram.out)" "the file's bytes"
hsxctl fram read 0 0x400 3000 --raw >/tmp/fram.back 2>/tmp/fram.err
cmp -s /tmp/fram.file /tmp/fram.back && ok "read --raw returns the file" ||
	not_ok "read --raw returned $(wc -c </tmp/fram.back) different bytes"
dd if="$NV0" bs=1024 skip=1 count=3 2>/dev/null | head -c 3000 >/tmp/fram.peer
cmp -s /tmp/fram.file /tmp/fram.peer && ok "the nvmem device holds the file" ||
	not_ok "the nvmem device holds other bytes"
if command -v xxd >/dev/null 2>&1; then
	hsxctl fram read 0 0x3f5 70 >/tmp/fram.out 2>&1
	xxd -s 0x3f5 -l 70 "$NV0" >/tmp/fram.xxd 2>&1
	cmp -s /tmp/fram.xxd /tmp/fram.out && ok "read prints what xxd prints of the nvmem device" || {
		not_ok "read and xxd differ"
		diff /tmp/fram.xxd /tmp/fram.out | sed 's/^/    /'
	}
fi
printf 'from stdin' | hsxctl fram write 0 0x20 --file - >/tmp/fram.out 2>/tmp/fram.err
same 0 "$?" "write --file -"
same "$(printf 'from stdin' | od -An -v -tx1 | tr -d ' \n')" "$(peer_hex "$NV0" 32 10)" \
	"standard input was written"

expect 1 "write a read-only device" -- hsxctl fram write 1 0 00
contains /tmp/fram.err "cannot write to device 1: .*(Read-only file system)" \
	"the failure says read-only, with the errno"
expect 1 "read past the device's end" -- hsxctl fram read 0 "$size" 1
contains /tmp/fram.err "past the device's size.*(Invalid argument)" "the failure says why"
expect 1 "write past the device's end" -- hsxctl fram write 0 "$((size - 1))" 0000
expect 0 "read the device's last byte" -- hsxctl fram read 0 "$((size - 1))" 1

# ---- wear -----------------------------------------------------------------------------
expect 0 "wear --json" -- hsxctl fram wear 0 0x310 --json
before=$(sed -n 's/.*"count":\([0-9]*\).*/\1/p' /tmp/fram.out)
contains /tmp/fram.out '^{"dev":0,"addr":784,"block":3,"count":[0-9]*}$' "wear --json names the block"
hsxctl fram write 0 0x300 01 >/dev/null && hsxctl fram write 0 0x3ff 02 >/dev/null
expect 0 "wear after two writes" -- hsxctl fram wear 0 0x310
same "device 0 address 0x310: block 3, $((before + 2)) writes" "$(cat /tmp/fram.out)" \
	"the block's count grew by two"
expect 0 "a write across two blocks" -- hsxctl fram write 0 0x3ff 0102
expect 0 "wear of the next block" -- hsxctl fram wear 0 0x400 --json
contains /tmp/fram.out '"block":4,' "the next block"

# ---- records ------------------------------------------------------------------------------
# Four records of 4 slots of 64 bytes from 0x1000; record 3's group is 0x1300..0x13ff.
head -c 1024 /dev/zero >/tmp/fram.zero
hsxctl fram write 0 0x1000 --file /tmp/fram.zero >/dev/null
expect 1 "get a record never written" -- hsxctl fram record get 0 0x1000 64 4 3
contains /tmp/fram.err "record 3 of device 0 holds no valid version: it was never written" \
	"the failure says so"
expect 0 "record set --text" -- hsxctl fram record set 0 0x1000 64 4 3 --text v1
same "record 3: 2 bytes written" "$(cat /tmp/fram.out)" "record set says how many"
expect 0 "record get" -- hsxctl fram record get 0 0x1000 64 4 3
same "record 3: 2 bytes, seq 1
00000000: 7631                                     v1" "$(cat /tmp/fram.out)" "record get prints it"
expect 0 "record set hex" -- hsxctl fram record set 0 0x1000 64 4 3 01020304
expect 0 "record get --json" -- hsxctl fram record get 0 4096 64 4 3 --json
same '{"dev":0,"id":3,"seq":2,"corrupt":false,"len":4,"data":"01020304"}' "$(cat /tmp/fram.out)" \
	"record get --json has the new version"
expect 0 "record 2 is apart" -- hsxctl fram record set 0 0x1000 64 4 2 --text other
expect 0 "record 3 again" -- hsxctl fram record get 0 0x1000 64 4 3 --json
contains /tmp/fram.out '"seq":2,.*"data":"01020304"' "record 3 is unchanged"
# Corrupt the newest version's payload in the part: the previous one is read, and flagged.
newest=
for slot in 0 1 2 3; do
	at=$((0x1300 + slot * 64 + 24))
	[ "$(peer_hex "$NV0" $at 4)" = 01020304 ] && newest=$at
done
if [ -n "$newest" ]; then
	ok "the newest version is in the part at $newest"
	hsxctl fram write 0 "$newest" ff >/dev/null
	expect 0 "record get with a corrupt slot" -- hsxctl fram record get 0 0x1000 64 4 3
	contains /tmp/fram.out "^record 3: 2 bytes, seq 1, a corrupt slot was seen" \
		"the previous version is read, and the corrupt slot reported"
	expect 0 "record get --json with a corrupt slot" -- hsxctl fram record get 0 0x1000 64 4 3 --json
	same '{"dev":0,"id":3,"seq":1,"corrupt":true,"len":2,"data":"7631"}' "$(cat /tmp/fram.out)" \
		"record get --json says corrupt"
else
	not_ok "no slot of record 3 holds its payload 01020304"
fi
expect 1 "a record group past the device's end" -- \
	hsxctl fram record get 0 "$((size - 64))" 64 2 0
contains /tmp/fram.err "past the device's size" "the failure says why"
expect 1 "a record on a read-only device" -- hsxctl fram record set 1 0 64 2 0 --text x
contains /tmp/fram.err "Read-only file system" "the failure says read-only"

# ---- status -------------------------------------------------------------------------------
expect 0 "hsxctl status" -- hsxctl status
contains /tmp/fram.out "^/sys/hal/fram\$" "status lists the FRAM module"
contains /tmp/fram.out "^  entries *0 1\$" "status lists the bound devices"

# ---- unmap ---------------------------------------------------------------------------------
expect 0 "unmap 1" -- hsxctl fram unmap 1
same "device 1 unbound" "$(cat /tmp/fram.out)" "unmap says so"
expect 0 "unmap 0" -- hsxctl fram unmap 0
[ ! -e /sys/hal/fram/0 ] && ok "/sys/hal/fram/0 is gone" || not_ok "/sys/hal/fram/0 remains"
expect 1 "unmap again" -- hsxctl fram unmap 0
expect 1 "read after unmap" -- hsxctl fram read 0 0x10 11
contains /tmp/fram.err "device 0 is not bound" "the failure says it is not bound"
same 68656c6c6f2c206672616d "$(peer_hex "$NV0" 16 11)" "the bytes stay in the part"
expect 0 "info with no device bound" -- hsxctl fram info
contains /tmp/fram.out "no devices are bound" "every device was unbound"

echo "hsxctl fram: $failures failure(s)"
[ "$failures" -eq 0 ]
