# SPDX-License-Identifier: MIT
#
# Summary of read_stamps.so's lines (tests/bench/stamps/read_stamps.c) over
# gpio_vs_libgpiod runs: per side, the median over rounds of each round's
# p50 (µs), and of the paired difference from hsx.ko alone in the same
# round. A round is four consecutive lines, one per side (the bench runs
# each side of a round in its own process, one after the other).
# Input: "STAMPS side=S edges=N toread_ns=A post_ns=B pre_ns=C". Run
# after trace_common.awk (sort_n()).

function num(name,   i, kv) {
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
/^STAMPS / {
	r = int(lines / 4);
	lines++;
	s = num("side");
	if (!(s in seen)) {
		seen[s] = 1;
		order[++nsides] = s;
	}
	toread[r, s] = num("toread_ns") / 1000;
	post[r, s] = num("post_ns") / 1000;
	pre[r, s] = num("pre_ns") / 1000;
	have[r, s] = 1;
}
END {
	if (lines % 4 || !lines) {
		print "not ok - " lines " lines: not whole rounds of four sides";
		exit 1;
	}
	rounds = lines / 4;
	alone = "hsx-kernel";
	printf "%d rounds; µs, medians over rounds of each round's p50\n", rounds;
	printf "%-14s %10s %8s %8s %14s %14s\n", "side", "to read()", "after", "before", \
	       "to read() -", "to the app -";
	printf "%-14s %10s %8s %8s %14s %14s\n", "", "returns", "read()", "next read", \
	       "hsx.ko alone", "hsx.ko alone";
	for (k = 1; k <= nsides; k++) {
		s = order[k];
		m = d = 0;
		split("", a); split("", b); split("", c); split("", e); split("", f);
		for (r = 0; r < rounds; r++) {
			if (!have[r, s])
				continue;
			m++;
			a[m] = toread[r, s];
			b[m] = post[r, s];
			c[m] = pre[r, s];
			if (have[r, alone]) {
				d++;
				e[d] = toread[r, s] - toread[r, alone];
				f[d] = toread[r, s] + post[r, s] - toread[r, alone] - post[r, alone];
			}
		}
		printf "%-14s %10s %8s %8s %14s %14s\n", s, med(a, m), med(b, m), med(c, m), \
		       s == alone ? "" : med(e, d), s == alone ? "" : med(f, d);
	}
}
