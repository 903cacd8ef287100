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

# bad DESCRIPTION MESSAGE -- COMMAND...: a bad command line, refused with exit 2 and MESSAGE.
bad() {
	what=$1 message=$2
	shift 2
	expect 2 "$what" "$@"
	contains "$ERR" "hsxctl: .*$message" "$what: says '$message'"
}

# A JSON parser, if there is one: jq (on the PATH or beside the tests, in helpers/), else a
# python3 that has its json module; empty if neither.
JSON_PARSER=
if command -v jq >/dev/null 2>&1; then
	JSON_PARSER=jq
elif [ -x "$(dirname "$0")/helpers/jq" ]; then
	JSON_PARSER="$(dirname "$0")/helpers/jq"
elif python3 -c 'import json' >/dev/null 2>&1; then
	JSON_PARSER=python3
fi

# json_ok FILE DESCRIPTION: each line of FILE is one JSON document (no parser: a failure,
# since make e2e puts jq beside the tests).
json_ok() {
	case $JSON_PARSER in
	"") not_ok "$2: no jq or python3 to parse JSON"; return ;;
	python3) python3 -c 'import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$1" 2>"$1.json-err" ;;
	*) "$JSON_PARSER" -e . "$1" >/dev/null 2>"$1.json-err" ;;
	esac
	if [ $? -eq 0 ] && [ -s "$1" ]; then
		ok "$2"
	else
		not_ok "$2: not JSON ($JSON_PARSER)"
		sed 's/^/    /' "$1" "$1.json-err"
	fi
}
