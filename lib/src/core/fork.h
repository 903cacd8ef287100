/* SPDX-License-Identifier: MIT */
/*
 * fork() handlers of the whole library, registered once.
 */
#ifndef HSX_FORK_H
#define HSX_FORK_H

/*
 * Register the handlers, if not yet: called by whatever first creates state a
 * child must not share (a device node, the dispatcher, a thread's ring). Not
 * with a lock of the library held: fork() runs the handlers, which take those
 * locks, while holding the lock that registering needs. (A constructor would
 * do it once for all, but a static library leaves out an object nothing
 * refers to.)
 */
void hsx_fork_watch(void);

#endif /* HSX_FORK_H */
