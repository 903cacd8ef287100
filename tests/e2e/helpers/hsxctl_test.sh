# SPDX-License-Identifier: MIT
#
# What the hsxctl shell tests share; sourced, after setting OUT and ERR (the files
# that keep a command's standard output and error):
#   OUT=/tmp/x.out ERR=/tmp/x.err
#   . "$(dirname "$0")/helpers/hsxctl_test.sh"
# Each check prints "ok - ..." or "not ok - ..."; failures counts the latter.

failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

# expect EXIT DESCRIPTION -- COMMAND...: run it, check its exit status.
expect() {
	want=$1 what=$2
	shift 3
	"$@" >"$OUT" 2>"$ERR"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$what (exit $got)"
	else
		not_ok "$what: exit $got, wanted $want"
		sed 's/^/    out: /' "$OUT"
		sed 's/^/    err: /' "$ERR"
	fi
}

# contains FILE PATTERN DESCRIPTION
contains() {
	if grep -q -- "$2" "$1"; then ok "$3"; else not_ok "$3: no '$2' in"; sed 's/^/    /' "$1"; fi
}

# same WANT GOT DESCRIPTION
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3: '$2', wanted '$1'"; fi
}
