# SPDX-License-Identifier: MIT
#
# Where a GPIO edge's time goes, per edge, from an ftrace of gpio_vs_libgpiod
# (tests/bench/gpio_trace runs it): for each edge of the line, whose hard
# handler is hsx's ("hsx-gpio") or gpiolib-cdev's for libgpiod ("bench"),
# the stages from the bench's write of the pull until the application thread
# has the edge and posts the bench's semaphore:
#
#   write    the pull's write() entered to the hard handler's entry
#   hard     the hard handler (entry to exit)
#   thread   its exit to the IRQ thread switched in
#   post     the IRQ thread switched in to its wake-up of the reader
#   wake     sched_waking to the reader switched in (cross-CPU or not)
#   ret      switched in to its read() returning with the edge
#   user     read() returned to the sem_post's futex(): the library's time
#            (hsx: record to callback, or to hsx_gpio_wait_event()'s
#            return on "hsx wait") or libgpiod's, and the bench's
#   total    write() entered to futex(), irq: the hard handler to futex()
#
# Edges are made one at a time (the bench waits until each is seen), so one
# edge is followed at a time. An edge whose stages are not all found (a
# reader that was not asleep) is counted, not timed. Prints p50 / p99 of each
# stage per side, in µs, then the mean of each stage over each side's slowest
# 1% by total. Input: the trace file (any clock; the timestamps only).

function side_of(name) {
	return name == "hsx-gpio" ? "hsx" : name == "bench" ? "libgpiod" : "";
}
function is_irq_thread(comm) {
	return comm ~ /^irq\/[0-9]+-(hsx-gpio|bench)$/;
}
# The bench's three hsx sides share the handler: the blocking wait's thread
# and the library-free reader are named. An edge that never woke its reader
# is the side's whose reader the last edge woke (the sides run one after the
# other).
function side_named(s) {
	if (s != "hsx")
		return s;
	if (t_rdw)
		last_hsx = rd_comm == "hsx-waiter" ? "hsx wait" : \
			   rd_comm == "hsx-kernel" ? "hsx.ko" : "hsx";
	return last_hsx == "" ? "hsx" : last_hsx;
}
function finish(t,   s) {
	side = side_named(side);
	parts[1] = t_irq - t_write;
	parts[2] = t_hexit - t_irq;
	parts[3] = t_thr - t_hexit;
	parts[4] = t_rdw - t_thr;
	parts[5] = t_rdr - t_rdw;
	parts[6] = t_ret - t_rdr;
	parts[7] = t - t_ret;
	split("write hard thread post wake ret user", part_names, " ");
	for (s = 1; s <= 7; s++)
		add(side, part_names[s], parts[s]);
	add(side, "irq", t - t_irq);
	add(side, "total", t - t_write);
	keep(side, t - t_write, parts, 7);
	timed[side]++;
	cross[side] += crossed;
	reader[side] = rd_comm;
	side = "";
}

{
	ev = event_of();
	if (ev == "")
		next;
	t = ts_of();
	c = cpu_of();
}
# The pull: "pull-up" or "pull-down", 7 or 9 bytes.
substr(ev, 1, 10) == "sys_write(" {
	if ($0 ~ /count: (0x)?[79]\)/)
		wrote[c] = t;
	next;
}
ev == "irq_handler_entry:" {
	s = side_of(field("name"));
	if (s == "")
		next;
	if (side != "")
		untimed[side_named(side)]++;
	side = s;
	irq = field("irq");
	t_write = (c in wrote) ? wrote[c] : t;
	t_irq = t;
	t_hexit = t_thr = t_rdw = t_rdr = t_ret = 0;
	next;
}
side == "" {
	next;
}
ev == "irq_handler_exit:" {
	if (field("irq") == irq && !t_hexit)
		t_hexit = t;
	next;
}
ev == "sched_switch:" {
	p = field("next_pid") + 0;
	if (t_hexit && !t_thr && is_irq_thread(field("next_comm")))
		t_thr = t;
	else if (t_rdw && !t_rdr && p == rd_pid)
		t_rdr = t;
	next;
}
ev == "sched_waking:" {
	if (t_thr && !t_rdw && is_irq_thread(comm_of())) {
		t_rdw = t;
		rd_pid = field("pid") + 0;
		rd_comm = field("comm");
		crossed = field("target_cpu") + 0 != c;
	}
	next;
}
ev == "sys_read" || ev == "sys_preadv2" {
	if (t_rdr && !t_ret && pid_of() == rd_pid)
		t_ret = t;
	next;
}
substr(ev, 1, 10) == "sys_futex(" {
	if (t_ret && pid_of() == rd_pid)
		finish(t);
	next;
}
END {
	split("hsx|hsx wait|hsx.ko|libgpiod", sides, "|");
	split("write hard thread post wake ret user irq total", stages, " ");
	printf "%-9s %6s %8s %9s", "side", "edges", "untimed", "crossCPU";
	print_stage_heads(stages, 9, 13);
	for (i = 1; i <= 4; i++) {
		sd = sides[i];
		printf "%-9s %6d %8d %9d", sd, timed[sd], untimed[sd], cross[sd];
		print_stages(sd, stages, 9, 13);
		printf "   (reader: %s)\n", reader[sd];
	}
	printf "\nthe slowest 1%% by total, mean µs of each stage:\n";
	printf "%-9s %6s %8s", "side", "edges", "total";
	for (s = 1; s <= 7; s++)
		printf " %8s", stages[s];
	printf "\n";
	for (i = 1; i <= 4; i++)
		print_slowest(sides[i], 7);
}
