# SPDX-License-Identifier: MIT
#
# Summary of read_stamps.so's lines (tests/bench/stamps/read_stamps.c) over
# gpio_vs_libgpiod runs: per side, the median over rounds of each round's
# p50 (µs), and of the paired difference from hsx.ko alone in the same
# round. The bench runs each side of a round in a process of its own, one
# after the other, so a round is four consecutive lines, one of each side;
# anything else (a side missing or twice) fails the summary rather than
# pairing the wrong rounds. Run after trace_common.awk (sort_n()).
# Input: "STAMPS pid=P side=S edges=N late=L toread_ns=A post_ns=B total_ns=C pre_ns=D".

# The field name=N of this line: a whole number, else the summary fails.
function num(name,   i, kv) {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=");
		if (kv[1] == name && kv[2] ~ /^[0-9]+$/)
			return kv[2] + 0;
	}
	fail("line " lines ": no " name "=<number>");
}
function text(name,   i, kv) {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=");
		if (kv[1] == name)
			return kv[2];
	}
	return "";
}
function med(a, m) {
	if (!m)
		return "-";
	sort_n(a, m);
	return sprintf("%.2f", a[int((m - 1) / 2) + 1]);
}
function fail(why) {
	print "not ok - " why;
	failed = 1;
	exit 1;
}
BEGIN {
	nsides = split("hsx-dispatch hsx-waiter hsx-kernel libgpiod", order, " ");
	for (k = 1; k <= nsides; k++)
		known[order[k]] = 1;
}
/^STAMPS / {
	r = int(lines / 4);
	lines++;
	s = text("side");
	if (!(s in known))
		fail("line " lines ": side \"" s "\" is none of the bench's four");
	if (have[r, s])
		fail("round " r + 1 ": " s " twice (a side of another round missing)");
	have[r, s] = 1;
	toread[r, s] = num("toread_ns") / 1000;
	post[r, s] = num("post_ns") / 1000;
	total[r, s] = num("total_ns") / 1000;
	pre[r, s] = num("pre_ns") / 1000;
	late[s] += num("late");
	if (!(count = num("edges")))
		fail("line " lines ": no edges");
	edges[s] += count;
}
END {
	if (failed)
		exit 1;
	if (!lines || lines % 4)
		fail((lines + 0) " lines: not whole rounds of the four sides");
	rounds = lines / 4;
	alone = "hsx-kernel";
	printf "%d rounds; µs, medians over rounds of each round's p50\n", rounds;
	printf "%-13s %9s %7s %9s %7s %13s %13s\n", "side", "to read()", "after", \
	       "before", "late", "to read() -", "to the app -";
	printf "%-13s %9s %7s %9s %7s %13s %13s\n", "", "returns", "read()", "next read", \
	       "edges", "hsx.ko alone", "hsx.ko alone";
	for (k = 1; k <= nsides; k++) {
		s = order[k];
		split("", a); split("", b); split("", c); split("", e); split("", f);
		for (r = 0; r < rounds; r++) {
			a[r + 1] = toread[r, s];
			b[r + 1] = post[r, s];
			c[r + 1] = pre[r, s];
			e[r + 1] = toread[r, s] - toread[r, alone];
			f[r + 1] = total[r, s] - total[r, alone];
		}
		printf "%-13s %9s %7s %9s %6.1f%% %13s %13s\n", s, med(a, rounds), med(b, rounds), \
		       med(c, rounds), 100 * late[s] / edges[s], s == alone ? "" : med(e, rounds), \
		       s == alone ? "" : med(f, rounds);
	}
	print "ok - " rounds " rounds of the four sides";
}
