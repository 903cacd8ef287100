#!/bin/sh
# SPDX-License-Identifier: MIT
#
# hsxctl fs on a tmpfs directory of its own: bad command lines (exit 2, nothing bound),
# map with the usage it measures (symbolic links and FIFOs not counted) and its failures,
# put (an atomic replace up to 1 MiB, in place beyond), cat, ls (a listing larger than
# its first buffer), mv, mkdir, rm and stat, each compared with the backing directory
# (the kernel's peer: what is there, whose it is), df's numbers after each step against
# what the test did, --json of each parsed (jq or python3, when the VM has one) and exact,
# and failures: a root not bound, a symbolic link and a FIFO in the tree, both quotas
# exceeded (by a replace, by a write in place, by directories), a read-only root. Every
# root it binds is unbound at the end and the directory unmounted.
set -u

OUT=/tmp/fs.out ERR=/tmp/fs.err
. "$(dirname "$0")/helpers/hsxctl_test.sh"

D=/tmp/hsxctl-fs       # the tree, a tmpfs of its own
RO=/tmp/hsxctl-fs-ro   # a second tree, bound read-only
OWNER=1234:1234        # the storage owner: whose credentials hsx.ko uses beneath the root

# df_json ROOT USED_BYTES USED_FILES HANDLES: what 'fs df ROOT --json' prints of the root
# (its directory as /sys/hal says, when it says).
df_json() {
	dir=
	[ ! -r "/sys/hal/fs/$1/path" ] || dir=",\"dir\":\"$(cat "/sys/hal/fs/$1/path")\""
	echo "{\"root\":$1,\"bound\":true,\"quota_bytes\":2097152,\"used_bytes\":$2,\"quota_files\":40,\"used_files\":$3,\"handles\":$4,\"owner_uid\":1234,\"owner_gid\":1234,\"flags\":[]$dir}"
}

# usage DESCRIPTION USED_BYTES USED_FILES: df of the root says so, in both forms.
usage() {
	expect 0 "df $R: $1" -- hsxctl fs df "$R" --json
	same "$(df_json "$R" "$2" "$3" 0)" "$(cat "$OUT")" "df --json: $2 bytes, $3 files ($1)"
	hsxctl fs df "$R" >"$OUT" 2>"$ERR"
	contains "$OUT" "^$R  *2097152  *$2  *40  *$3  *0  *$OWNER  *- " "df: $2 bytes, $3 files ($1)"
}

# The roots bound now, by number, on one line.
bound_roots() { ls /sys/hal/fs 2>/dev/null | grep -x '[0-9]*' | sort -n | tr '\n' ' '; }

# A root not bound (the highest), for the failures.
free_root() {
	n=31
	while [ $n -ge 0 ] && [ -e "/sys/hal/fs/$n" ]; do n=$((n - 1)); done
	echo $n
}

cleanup() {
	[ -z "${R:-}" ] || hsxctl fs unmap "$R" >/dev/null 2>&1
	[ -z "${R2:-}" ] || hsxctl fs unmap "$R2" >/dev/null 2>&1
	umount "$D" 2>/dev/null
	umount "$RO" 2>/dev/null
	rm -rf "$D" "$RO" /tmp/fs.big /tmp/fs.bigger /tmp/fs.six /tmp/fs.data /tmp/fs.back
}

if [ ! -e /dev/hsx/fs ]; then
	not_ok "no /dev/hsx/fs: hsx.ko has no FS module"
	exit 1
fi
R='' R2=''
cleanup
mkdir -p "$D" "$RO"
if ! mount -t tmpfs -o size=16m tmpfs "$D"; then
	not_ok "cannot mount a tmpfs on $D"
	exit 1
fi
# What the tree holds before it is bound: 5 bytes in pre/five, 30 empty files with names of
# 193 bytes in many/ (a listing of 5.8 KiB), a symbolic link out of it and a FIFO.
mkdir "$D/pre" "$D/many"
printf 12345 >"$D/pre/five"
long=$(head -c 190 /dev/zero | tr '\0' n)
i=100
while [ $i -lt 130 ]; do
	: >"$D/many/$long$i"
	i=$((i + 1))
done
ln -s /etc "$D/link"
mkfifo "$D/fifo"
chown -R -h "$OWNER" "$D"
PRE_FILES=33 # pre, pre/five, many, many/*

# ---- bad command lines: nothing is done ------------------------------------------
before=$(bound_roots)
bad "a path with .." "invalid PATH '../etc/passwd': '.' and '..' are not names" -- \
	hsxctl fs cat 0 ../etc/passwd
bad "a path with .. inside" "'.' and '..' are not names" -- hsxctl fs put 0 a/../../b /dev/null
bad "an absolute path" "no leading '/'" -- hsxctl fs ls 0 /etc
bad "hsx's temporary names" "are hsx's own" -- hsxctl fs rm 0 .hsx-tmp.x
bad "a root out of range" "ROOT '32' is out of range (0..31)" -- hsxctl fs ls 32
bad "no quota" "--quota-files is required" -- hsxctl fs map any "$D" --quota-bytes 1M
bad "a bad size" "invalid --quota-bytes '1T'" -- \
	hsxctl fs map any "$D" --quota-bytes 1T --quota-files 1
bad "a quota of 0" "--quota-files '0' is out of range" -- \
	hsxctl fs map any "$D" --quota-bytes 1 --quota-files 0
bad "mv without NEW" "missing argument; usage: hsxctl fs mv ROOT OLD NEW" -- hsxctl fs mv 0 a
bad "no subcommand" "missing subcommand (map, unmap, ls, cat, put, rm, mv, mkdir, stat or df)" -- \
	hsxctl fs
bad "--json where nothing is printed" "'--json' does not apply" -- hsxctl fs rm 0 a --json
same "$before" "$(bound_roots)" "a bad command line bound nothing"

# ---- map ---------------------------------------------------------------------------
expect 1 "map with a quota below the usage" -- \
	hsxctl fs map any "$D" --quota-bytes 4 --quota-files 40
contains "$ERR" "$D holds 5 bytes in $PRE_FILES files and directories: more than --quota-bytes 4" \
	"the failure says what the tree holds"
expect 1 "map a directory that does not exist" -- \
	hsxctl fs map any /tmp/nosuch --quota-bytes 1 --quota-files 1
contains "$ERR" "cannot bind /tmp/nosuch: No such file or directory" "the failure says why"
expect 1 "map a file" -- hsxctl fs map any "$D/pre/five" --quota-bytes 1M --quota-files 1
contains "$ERR" "Not a directory" "the failure says it is no directory"

expect 0 "map any" -- hsxctl fs map any "$D" --quota-bytes 2M --quota-files 40 --json
json_ok "$OUT" "map --json parses"
R=$(sed -n 's/^{"root":\([0-9]*\),.*/\1/p' "$OUT")
same "{\"root\":$R,\"dir\":\"$D\",\"existing\":false,\"quota_bytes\":2097152,\"used_bytes\":5,\"quota_files\":40,\"used_files\":$PRE_FILES,\"read_only\":false}" \
	"$(cat "$OUT")" "map --json: the usage measured, without the link and the FIFO"
if [ -z "$R" ]; then
	not_ok "map printed no root"
	cleanup
	exit 1
fi
[ -d "/sys/hal/fs/$R" ] && ok "/sys/hal/fs/$R exists" || not_ok "no /sys/hal/fs/$R"
expect 0 "map the same directory again, any root" -- \
	hsxctl fs map any "$D" --quota-bytes 1M --quota-files 99
same "root $R was bound already to $D (5 of 2097152 bytes, $PRE_FILES of 40 files)" \
	"$(cat "$OUT")" "the root it has, with its quotas unchanged"
expect 1 "map the bound root again" -- hsxctl fs map "$R" "$RO" --quota-bytes 1M --quota-files 1
contains "$ERR" "root $R is bound: unbind it first" "the failure says it is bound"
other=$(free_root)
expect 1 "map the directory to another root" -- \
	hsxctl fs map "$other" "$D" --quota-bytes 2M --quota-files 40
contains "$ERR" "$D is bound to another root" "the failure says a directory is one root only"
usage "just mapped" 5 $PRE_FILES
expect 0 "df of every root" -- hsxctl fs df
contains "$OUT" "^ROOT  *QUOTA_BYTES  *USED_BYTES  *QUOTA_FILES  *USED_FILES  *HANDLES  *OWNER  *FLAGS  *DIR" \
	"df has a header"
contains "$OUT" "^$R  *2097152 " "df lists the root"
expect 0 "df --json of every root" -- hsxctl fs df --json
json_ok "$OUT" "df --json parses"
contains "$OUT" "^\[.*{\"root\":$R,\"bound\":true,.*}\]\$" "df --json lists the root in an array"

# ---- put, cat -----------------------------------------------------------------------
printf 'hello, fs' | hsxctl fs put "$R" greeting >"$OUT" 2>"$ERR"
same 0 "$?" "put from standard input"
same "9 bytes written to 'greeting' on root $R" "$(cat "$OUT")" "put says how many"
same "hello, fs" "$(cat "$D/greeting" 2>&1)" "the directory holds the file"
same "1234 1234" "$(stat -c '%u %g' "$D/greeting" 2>&1)" "the file is the storage owner's"
expect 0 "cat" -- hsxctl fs cat "$R" greeting
same "hello, fs" "$(cat "$OUT")" "cat gives the bytes"
seq 1 1000 | head -c 3000 >/tmp/fs.data
expect 0 "put a file" -- hsxctl fs put "$R" pre/data /tmp/fs.data
same "3000 bytes written to 'pre/data' on root $R" "$(cat "$OUT")" "put of a file says how many"
cmp -s /tmp/fs.data "$D/pre/data" && ok "the directory holds the file's bytes" ||
	not_ok "the directory holds other bytes"
hsxctl fs cat "$R" pre/data >/tmp/fs.back 2>"$ERR"
cmp -s /tmp/fs.data /tmp/fs.back && ok "cat returns them" || not_ok "cat returned other bytes"
printf 'hi' | hsxctl fs put "$R" greeting - >"$OUT" 2>"$ERR"
same "hi" "$(hsxctl fs cat "$R" greeting)" "put replaces a file"
printf 'hello, fs' | hsxctl fs put "$R" greeting >/dev/null 2>&1
usage "two files put" 3014 $((PRE_FILES + 2))

# ---- mkdir, mv, ls, stat ---------------------------------------------------------------
expect 0 "mkdir" -- hsxctl fs mkdir "$R" d
same "created the directory 'd' on root $R" "$(cat "$OUT")" "mkdir says so"
[ -d "$D/d" ] && ok "the directory has it" || not_ok "no $D/d"
same "1234 700" "$(stat -c '%u %a' "$D/d" 2>&1)" "the storage owner's, mode 0700"
expect 0 "mv" -- hsxctl fs mv "$R" greeting d/hello
same "renamed 'greeting' to 'd/hello' on root $R" "$(cat "$OUT")" "mv says so"
[ -f "$D/d/hello" ] && [ ! -e "$D/greeting" ] && ok "the file moved" || not_ok "the file did not move"
expect 0 "ls the root" -- hsxctl fs ls "$R"
same "d many pre" "$(sort "$OUT" | tr '\n' ' ' | sed 's/ $//')" "ls: directories and files only, no link or FIFO"
expect 0 "ls a directory" -- hsxctl fs ls "$R" d
same "hello" "$(cat "$OUT")" "ls d"
expect 0 "ls --json" -- hsxctl fs ls "$R" pre --json
json_ok "$OUT" "ls --json parses"
contains "$OUT" "^{\"root\":$R,\"path\":\"pre\",\"count\":2,\"names\":\[\"[a-z]*\",\"[a-z]*\"\]}\$" \
	"ls --json has the count and the names"
contains "$OUT" '"five"' "ls --json names five"
contains "$OUT" '"data"' "ls --json names data"
expect 0 "ls a listing larger than its first buffer" -- hsxctl fs ls "$R" many
same 30 "$(wc -l <"$OUT" | tr -d ' ')" "all 30 names of 193 bytes"
same "$(ls "$D/many" | sort)" "$(sort "$OUT")" "the names the directory has"
expect 0 "ls --json of it" -- hsxctl fs ls "$R" many --json
json_ok "$OUT" "the large ls --json parses"
contains "$OUT" '"count":30,' "ls --json counts 30"
expect 0 "stat a file" -- hsxctl fs stat "$R" d/hello
contains "$OUT" "^d/hello: file, 9 bytes, modified [0-9-]* [0-9:]*\.[0-9]\{9\} UTC\$" "stat says so"
expect 0 "stat --json" -- hsxctl fs stat "$R" d/hello --json
json_ok "$OUT" "stat --json parses"
contains "$OUT" "^{\"root\":$R,\"path\":\"d/hello\",\"type\":\"file\",\"size\":9,\"mtime_ns\":[0-9]*}\$" \
	"stat --json"
ns=$(sed -n 's/.*"mtime_ns":\([0-9]*\)}/\1/p' "$OUT")
same "$(stat -c %Y "$D/d/hello")" "${ns%?????????}" "the modification time is the file's"
expect 0 "stat the root" -- hsxctl fs stat "$R" --json
contains "$OUT" "^{\"root\":$R,\"path\":\"\",\"type\":\"directory\"," "the root is a directory"
expect 0 "stat a directory" -- hsxctl fs stat "$R" d
contains "$OUT" "^d: directory, " "stat of a directory"
usage "a directory made, a file moved" 3014 $((PRE_FILES + 3))

# ---- a large file, in place ---------------------------------------------------------------
head -c 1572864 /dev/urandom >/tmp/fs.big
expect 0 "put 1.5 MiB" -- hsxctl fs put "$R" big /tmp/fs.big
same "1572864 bytes written to 'big' on root $R" "$(cat "$OUT")" "all of it"
cmp -s /tmp/fs.big "$D/big" && ok "the directory holds it" || not_ok "the directory holds other bytes"
hsxctl fs cat "$R" big >/tmp/fs.back 2>"$ERR"
cmp -s /tmp/fs.big /tmp/fs.back && ok "cat returns 1.5 MiB" || not_ok "cat returned other bytes"
usage "1.5 MiB put" 1575878 $((PRE_FILES + 4))

# ---- quotas ------------------------------------------------------------------------------
# 600000 bytes more do not fit the 2 MiB: a replace changes nothing.
head -c 600000 /dev/urandom >/tmp/fs.six
expect 1 "a replace past the byte quota" -- hsxctl fs put "$R" six /tmp/fs.six
contains "$ERR" "cannot write 'six' on root $R: Disk quota exceeded (see 'hsxctl fs df $R')" \
	"the failure says the quota"
[ ! -e "$D/six" ] && ok "no file was made" || not_ok "$D/six exists"
same "" "$(ls -a "$D" | grep '^\.hsx-tmp\.')" "no temporary file is left"
expect 1 "a replace of an existing file past the quota" -- hsxctl fs put "$R" pre/data /tmp/fs.six
cmp -s /tmp/fs.data "$D/pre/data" && ok "the file keeps its old bytes" || not_ok "pre/data changed"
usage "nothing changed by the failed replaces" 1575878 $((PRE_FILES + 4))
# 1.5 MiB + 1 byte more, in place: what fits is written, then the quota stops it.
head -c 1572865 /dev/urandom >/tmp/fs.bigger
expect 1 "a write in place past the byte quota" -- hsxctl fs put "$R" bigger /tmp/fs.bigger
contains "$ERR" "only 521274 bytes of /tmp/fs.bigger were written to 'bigger' on root $R" \
	"the failure says how much was written"
contains "$ERR" "Disk quota exceeded" "and the quota"
same 521274 "$(wc -c <"$D/bigger" | tr -d ' ')" "the file holds what fit"
usage "the quota full" 2097152 $((PRE_FILES + 5))
expect 0 "rm" -- hsxctl fs rm "$R" bigger
same "removed 'bigger' from root $R" "$(cat "$OUT")" "rm says so"
[ ! -e "$D/bigger" ] && ok "the file is gone" || not_ok "$D/bigger remains"
expect 0 "rm big" -- hsxctl fs rm "$R" big
usage "two files removed" 3014 $((PRE_FILES + 3))
# The file quota: 40, 36 used.
for m in m1 m2 m3 m4; do hsxctl fs mkdir "$R" $m >/dev/null 2>&1; done
usage "four directories more" 3014 40
expect 1 "mkdir past the file quota" -- hsxctl fs mkdir "$R" m5
contains "$ERR" "cannot create the directory 'm5' on root $R: Disk quota exceeded" \
	"the failure says the quota"
[ ! -e "$D/m5" ] && ok "no directory was made" || not_ok "$D/m5 exists"
expect 1 "a new file past the file quota" -- hsxctl fs put "$R" newfile /tmp/fs.data
[ ! -e "$D/newfile" ] && ok "no file was made" || not_ok "$D/newfile exists"
for m in m1 m2 m3 m4; do hsxctl fs rm "$R" $m >/dev/null 2>&1; done
usage "the directories removed" 3014 $((PRE_FILES + 3))

# ---- failures ------------------------------------------------------------------------------
unbound=$(free_root)
expect 1 "ls a root not bound" -- hsxctl fs ls "$unbound"
contains "$ERR" "root $unbound is not bound to a directory (see 'hsxctl fs df' and 'hsxctl fs map')" \
	"the failure says it is not bound"
expect 1 "cat of a root not bound" -- hsxctl fs cat "$unbound" x
expect 0 "df of a root not bound" -- hsxctl fs df "$unbound" --json
same "{\"root\":$unbound,\"bound\":false}" "$(cat "$OUT")" "df --json says so"
expect 1 "cat a file that does not exist" -- hsxctl fs cat "$R" nosuch
contains "$ERR" "cannot read 'nosuch' on root $R: No such file or directory" "the failure says why"
expect 1 "cat a directory" -- hsxctl fs cat "$R" d
contains "$ERR" "Is a directory" "the failure says it is a directory"
expect 1 "rm a directory that is not empty" -- hsxctl fs rm "$R" d
contains "$ERR" "cannot remove 'd' on root $R: Directory not empty" "the failure says why"
expect 1 "cat through a symbolic link" -- hsxctl fs cat "$R" link/passwd
contains "$ERR" "Too many levels of symbolic links" "the failure is ELOOP"
expect 1 "cat a FIFO" -- hsxctl fs cat "$R" fifo
contains "$ERR" "cannot read 'fifo' on root $R: Operation not supported" "the FIFO is refused"
expect 1 "mkdir where the parent does not exist" -- hsxctl fs mkdir "$R" no/such
usage "nothing changed by the failures" 3014 $((PRE_FILES + 3))

# ---- a read-only root -----------------------------------------------------------------------
printf 'ro' >"$RO/file"
expect 0 "map read-only" -- hsxctl fs map any "$RO" --quota-bytes 1k --quota-files 4 --read-only
R2=$(sed -n 's/^root \([0-9]*\) bound to .*, read-only$/\1/p' "$OUT")
[ -n "$R2" ] && ok "map says read-only" || not_ok "map said: $(cat "$OUT")"
expect 0 "df --json of it" -- hsxctl fs df "$R2" --json
contains "$OUT" '"flags":\["read-only"\]' "df --json says read-only"
expect 0 "cat on a read-only root" -- hsxctl fs cat "$R2" file
same ro "$(cat "$OUT")" "it reads"
expect 1 "put on a read-only root" -- hsxctl fs put "$R2" file /tmp/fs.data
contains "$ERR" "Read-only file system" "the failure says read-only"
same ro "$(cat "$RO/file")" "the file is unchanged"
expect 0 "unmap it" -- hsxctl fs unmap "$R2"
R2=

# ---- unmap ------------------------------------------------------------------------------------
expect 0 "unmap" -- hsxctl fs unmap "$R"
same "root $R unbound" "$(cat "$OUT")" "unmap says so"
[ ! -e "/sys/hal/fs/$R" ] && ok "/sys/hal/fs/$R is gone" || not_ok "/sys/hal/fs/$R remains"
expect 1 "unmap again" -- hsxctl fs unmap "$R"
contains "$ERR" "root $R is not bound" "the failure says it is not bound"
expect 1 "cat after unmap" -- hsxctl fs cat "$R" d/hello
contains "$ERR" "root $R is not bound" "the failure says it is not bound"
same "hello, fs" "$(cat "$D/d/hello")" "the files stay in the directory"
R=

cleanup
echo "hsxctl fs: $failures failure(s)"
[ "$failures" -eq 0 ]
