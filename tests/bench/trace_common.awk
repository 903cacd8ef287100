# SPDX-License-Identifier: MIT
#
# What timer_trace.awk and gpio_trace.awk share: the fields of an ftrace
# line ("<comm>-<pid> [<cpu>] <flags> <secs>.<usecs>: <event>: <args>"), and
# the percentiles of a stage of a side, from values kept with add():
#   awk -f trace_common.awk -f timer_trace.awk trace

# The line's timestamp in µs, or -1.
function ts_of(   i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^[0-9]+\.[0-9]+:$/)
			return substr($i, 1, length($i) - 1) * 1e6;
	return -1;
}
# The value of the event's argument name=value, or "".
function field(name,   i, n) {
	n = length(name) + 1;
	for (i = 1; i <= NF; i++)
		if (substr($i, 1, n) == name "=")
			return substr($i, n + 1);
	return "";
}
function cpu_of(   i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^\[[0-9]+\]$/)
			return substr($i, 2, length($i) - 2) + 0;
	return -1;
}
# The running task, "<comm>-<pid>".
function task_of(   i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^\[[0-9]+\]$/)
			return $(i - 1);
	return "";
}
function pid_of(   t) {
	t = task_of();
	sub(/.*-/, "", t);
	return t + 0;
}
function comm_of(   t) {
	t = task_of();
	sub(/-[0-9]+$/, "", t);
	return t;
}
# The event's name with its colon ("sched_switch:"), or a syscall's
# ("sys_read" for an exit, "sys_read(fd:" for an entry); "" for other lines.
function event_of(   i) {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^[0-9]+\.[0-9]+:$/)
			return $(i + 1);
	return "";
}
# Keeps v as one value of stage of side, for pct2().
function add(side, stage, v) {
	n[side, stage]++;
	val[side, stage, n[side, stage]] = v;
}
# Sorts a[1..m] (insertion sort is too slow for 3000: a shell sort).
function sort_n(a, m,   gap, i, j, x) {
	for (gap = int(m / 2); gap > 0; gap = int(gap / 2))
		for (i = gap + 1; i <= m; i++) {
			x = a[i];
			for (j = i; j > gap && a[j - gap] > x; j -= gap)
				a[j] = a[j - gap];
			a[j] = x;
		}
}
# "p50/p99" of one stage of one side: one sort for both.
function pct2(side, stage,   m, i, a) {
	m = n[side, stage];
	if (!m)
		return "-";
	for (i = 1; i <= m; i++)
		a[i] = val[side, stage, i];
	sort_n(a, m);
	return sprintf("%.1f/%.1f", a[int((m - 1) * 0.5) + 1], a[int((m - 1) * 0.99) + 1]);
}
# Keeps one event of side, its total and its stages' parts[1..np], for print_slowest().
function keep(side, total, parts, np,   k, s) {
	k = ++nt[side];
	tot[side, k] = total;
	for (s = 1; s <= np; s++)
		part[side, k, s] = parts[s];
}
# Prints side's row of the slowest 1% by total: their count, mean total, mean of each part.
function print_slowest(side, np,   m, k, a, cut, cnt, sum, s) {
	m = nt[side];
	if (!m)
		return;
	for (k = 1; k <= m; k++)
		a[k] = tot[side, k];
	sort_n(a, m);
	cut = a[int((m - 1) * 0.99) + 1];
	cnt = 0;
	for (s = 0; s <= np; s++)
		sum[s] = 0;
	for (k = 1; k <= m; k++)
		if (tot[side, k] >= cut) {
			cnt++;
			sum[0] += tot[side, k];
			for (s = 1; s <= np; s++)
				sum[s] += part[side, k, s];
		}
	printf "%-9s %6d", side, cnt;
	for (s = 0; s <= np; s++)
		printf " %8.1f", sum[s] / cnt;
	printf "\n";
}
# Prints " <stage> p50/p99" for stages[1..ns], each width wide: the table's heads.
function print_stage_heads(stages, ns, width,   s) {
	for (s = 1; s <= ns; s++)
		printf " %" width "s", stages[s] " p50/p99";
	printf "\n";
}
# Prints side's p50/p99 of stages[1..ns], each width wide (no newline).
function print_stages(side, stages, ns, width,   s) {
	for (s = 1; s <= ns; s++)
		printf " %" width "s", pct2(side, stages[s]);
}
