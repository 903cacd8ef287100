# SPDX-License-Identifier: MIT
#
# Where a timer event's time goes, per event, from an ftrace of timer_jitter
# (tests/bench/timer_trace runs it): for each expiry of hsx's hrtimer
# (hsx_timer_expired, or its soft twin hsx_timer_expired_soft, which has the
# expiries the interrupt could not post and all of them under PREEMPT_RT)
# and timerfd's (timerfd_tmrproc), the stages from the
# expiry the timer was set for until the woken thread's read() returns with it:
#
#   fire     hrtimer_expire_entry's now - the expiry set (hrtimer_start)
#   irq      the timer interrupt (local_timer_entry) to the expiry function:
#            for a soft hrtimer the softirq's wait, for a hard one ~0
#   post     the expiry function's start to its wake-up of the reader
#   wake     sched_waking to the reader switched in (cross-CPU or not)
#   ret      switched in to its syscall's return: read(), or io_uring_enter()
#            for the dispatcher, whose read() of the record follows (+read;
#            of it, user: the library's own time until that read() begins)
#   total    the expiry set to read()'s return
#
# The side is the expiry function and who it woke: hsx-dispatch (callback),
# another thread (blocking wait), or timerfd's reader. An expiry that woke
# nobody (the reader was not asleep: busy with the last event) is counted, not
# timed. Prints p50 / p99 of each stage per side, in µs, then, of the events
# in each side's slowest 1% by total, the mean of each stage: where the tail is.
# A syscall's exit prints as "sys_read -> 0x8", its entry as "sys_read(fd: ...".
# Input: the trace file with trace_clock mono (timestamps and hrtimer times on
# one clock, CLOCK_MONOTONIC).

function is_hsx(f) {
	return f == "hsx_timer_expired" || f == "hsx_timer_expired_soft";
}
function finish(pid, t,   e, side) {
	e = pend[pid];
	delete pend[pid];
	side = ev_side[e];
	total = t - ev_exp[e];
	add(side, "fire", ev_fire[e]);
	if (ev_irq[e] >= 0)
		add(side, "irq", ev_irq[e]);
	add(side, "post", ev_wakets[e] - ev_ts[e]);
	if (ev_run[e] > 0) {
		add(side, "wake", ev_run[e] - ev_wakets[e]);
		add(side, "ret", (ev_ure[e] > 0 ? ev_ure[e] : t) - ev_run[e]);
	}
	if (ev_ure[e] > 0) {
		add(side, "+read", t - ev_ure[e]);
		if (ev_rd[e] > 0)
			add(side, "user", ev_rd[e] - ev_ure[e]);
	}
	add(side, "total", total);
	cross[side] += ev_cross[e];
	timed[side]++;
	parts[1] = ev_fire[e];
	parts[2] = ev_irq[e] >= 0 ? ev_irq[e] : 0;
	parts[3] = ev_wakets[e] - ev_ts[e];
	parts[4] = ev_run[e] > 0 ? ev_run[e] - ev_wakets[e] : 0;
	parts[5] = ev_run[e] > 0 ? (ev_ure[e] > 0 ? ev_ure[e] : t) - ev_run[e] : 0;
	parts[6] = ev_ure[e] > 0 ? t - ev_ure[e] : 0;
	keep(side, total, parts, 6);
}

{
	ev = event_of();
	if (ev == "")
		next;
	t = ts_of();
	c = cpu_of();
}
ev == "local_timer_entry:" {
	irq_at[c] = t;
	next;
}
ev == "hrtimer_start:" {
	f = field("function");
	if (is_hsx(f) || f == "timerfd_tmrproc")
		expires[field("hrtimer")] = field("expires") / 1000;
	next;
}
ev == "hrtimer_expire_entry:" {
	f = field("function");
	h = field("hrtimer");
	if ((is_hsx(f) || f == "timerfd_tmrproc") && (h in expires)) {
		cur[c] = ++ne;
		ev_fn[ne] = is_hsx(f) ? "hsx" : "timerfd";
		ev_ts[ne] = t;
		ev_exp[ne] = expires[h];
		ev_fire[ne] = field("now") / 1000 - expires[h];
		ev_irq[ne] = (c in irq_at) && t >= irq_at[c] ? t - irq_at[c] : -1;
		ev_cpu[ne] = c;
		woke[ne] = 0;
	}
	next;
}
ev == "hrtimer_expire_exit:" {
	if (c in cur) {
		e = cur[c];
		delete cur[c];
		if (!woke[e])
			unwoken[ev_fn[e]]++;
	}
	next;
}
ev == "sched_waking:" {
	if (!(c in cur))
		next;
	e = cur[c];
	if (woke[e])
		next;
	woke[e] = 1;
	p = field("pid") + 0;
	comm = field("comm");
	ev_side[e] = ev_fn[e] == "timerfd" ? "timerfd" : comm == "hsx-dispatch" ? "callback" : "wait";
	ev_wakets[e] = t;
	ev_cross[e] = field("target_cpu") + 0 != ev_cpu[e];
	ev_run[e] = 0;
	ev_ure[e] = 0;
	ev_rd[e] = 0;
	if (p in pend)
		abandoned++;
	pend[p] = e;
	next;
}
ev == "sched_switch:" {
	p = field("next_pid") + 0;
	if ((p in pend) && !ev_run[pend[p]])
		ev_run[pend[p]] = t;
	next;
}
ev == "sys_io_uring_enter" {
	p = pid_of();
	if ((p in pend) && ev_run[pend[p]] && !ev_ure[pend[p]])
		ev_ure[pend[p]] = t;
	next;
}
substr(ev, 1, 12) == "sys_preadv2(" {
	p = pid_of();
	if ((p in pend) && ev_ure[pend[p]] && !ev_rd[pend[p]])
		ev_rd[pend[p]] = t;
	next;
}
ev == "sys_read" || ev == "sys_preadv2" {
	p = pid_of();
	if ((p in pend) && ev_run[pend[p]])
		finish(p, t);
	next;
}
END {
	split("callback wait timerfd", sides, " ");
	split("fire irq post wake ret +read user total", stages, " ");
	printf "%-9s %6s %8s %9s", "side", "events", "unwoken", "crossCPU";
	print_stage_heads(stages, 8, 15);
	for (i = 1; i <= 3; i++) {
		sd = sides[i];
		uw = sd == "timerfd" ? unwoken["timerfd"] : unwoken["hsx"];
		printf "%-9s %6d %8s %9d", sd, timed[sd], sd == "timerfd" ? uw + 0 : "hsx:" uw + 0,
			cross[sd];
		print_stages(sd, stages, 8, 15);
		printf "\n";
	}
	printf "\nthe slowest 1%% by total, mean µs of each stage:\n";
	printf "%-9s %6s %8s %8s %8s %8s %8s %8s %8s\n", "side", "events", "total", "fire",
		"irq", "post", "wake", "ret", "+read";
	for (i = 1; i <= 3; i++)
		print_slowest(sides[i], 6);
	if (abandoned)
		printf "\n%d wake-ups came before the last one's read returned\n", abandoned;
}
