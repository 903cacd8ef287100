// SPDX-License-Identifier: GPL-2.0
/*
 * The UART module's backend: a tty of the kernel, owned by hsx with no user
 * process holding it open, as speakup owns its synthesizer's port. hsx opens
 * the tty itself (tty_kopen_exclusive(): a user open() then fails with
 * EBUSY) and attaches its own line discipline, which hands every received
 * byte, with its error flag, to the module and wakes writers when the
 * driver has room again. Any tty works: 8250/16550, PL011, mini-UART, USB
 * serial adapters.
 *
 * The discipline attaches to no tty but the one hsx is attaching: without
 * that guard any user could TIOCSETD it onto a pty and feed a port's
 * mailbox.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/serial.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_ldisc.h>
#include <uapi/linux/tty.h>

#include "compat.h"
#include "uart.h"

/*
 * N_DEVELOPMENT, the one number left for disciplines outside the tree: every
 * other is the kernel's, and registering one would replace it silently.
 */
#define HSX_UART_LDISC N_DEVELOPMENT

/* The tty being attached, and to which port, under hsx_uart_attach_mutex. */
static DEFINE_MUTEX(hsx_uart_attach_mutex);
static struct tty_struct *hsx_uart_attaching_tty;
static struct hsx_uart_dev *hsx_uart_attaching_dev;

static int hsx_ldisc_open(struct tty_struct *tty)
{
	/*
	 * Only hsx's own tty_set_ldisc() call, from the thread holding the
	 * mutex; the tty is compared, never dereferenced, so a racing
	 * TIOCSETD on another tty reads nothing that may go.
	 */
	if (READ_ONCE(hsx_uart_attaching_tty) != tty)
		return -EPERM;
	if (!tty->ops->write)
		return -EOPNOTSUPP;
	tty->disc_data = hsx_uart_attaching_dev;
	tty->receive_room = 65536;
	/* The driver calls write_wakeup when its buffer drains below the mark. */
	set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	return 0;
}

/*
 * Every close is followed by the core's tty_ldisc_put(), which drops the
 * module reference hsx_uart_tty_open() gave back: take it again here. That
 * close comes from the last tty_kclose(), or from the hangup itself
 * (tty_ldisc_hangup() kills the discipline since Linux 4.6), well before
 * the unbinding that follows it.
 */
static void hsx_ldisc_close(struct tty_struct *tty)
{
	__module_get(THIS_MODULE);
	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	tty->disc_data = NULL;
}

/*
 * From flush_to_ldisc(), a kworker, one call at a time per tty: process
 * context. Everything is consumed: the module buffers or counts each byte.
 */
static HSX_LDISC_COUNT hsx_ldisc_receive_buf2(struct tty_struct *tty, const u8 *cp,
					      const HSX_LDISC_FLAG *fp, HSX_LDISC_COUNT count)
{
	struct hsx_uart_dev *dev = tty->disc_data;
	const u8 *flags = (const u8 *)fp;
	size_t i, start = 0;

	if (!dev || count <= 0)
		return count;
	if (!I_IXON(tty)) {
		hsx_uart_received(dev, cp, flags, count);
		return count;
	}
	/*
	 * XON/XOFF: as n_tty does, the peer's STOP and START characters stop
	 * and restart this side's transmitter, and are not data.
	 */
	for (i = 0; i < (size_t)count; i++) {
		bool flow = (!flags || flags[i] == TTY_NORMAL) &&
			    (cp[i] == STOP_CHAR(tty) || cp[i] == START_CHAR(tty));

		if (!flow)
			continue;
		if (i > start)
			hsx_uart_received(dev, cp + start, flags ? flags + start : NULL, i - start);
		if (cp[i] == STOP_CHAR(tty))
			stop_tty(tty);
		else
			start_tty(tty);
		start = i + 1;
	}
	if (count > start)
		hsx_uart_received(dev, cp + start, flags ? flags + start : NULL, count - start);
	return count;
}

/* Atomic context (the driver's TX interrupt): only a wake-up. */
static void hsx_ldisc_write_wakeup(struct tty_struct *tty)
{
	struct hsx_uart_dev *dev = tty->disc_data;

	if (dev)
		wake_up_all(&dev->wait);
}

/* Carrier changed: a MODEM event at once, not at the next poll. */
static void hsx_ldisc_dcd_change(struct tty_struct *tty, bool active)
{
	struct hsx_uart_dev *dev = tty->disc_data;

	if (dev)
		hsx_uart_lines_changed(dev);
}

/* The device went away (a USB adapter unplugged): the module unbinds it. */
static void hsx_ldisc_hangup(struct tty_struct *tty)
{
	struct hsx_uart_dev *dev = tty->disc_data;

	if (dev)
		hsx_uart_hangup(dev);
}

/*
 * The owner is hsx.ko, so that a TIOCSETD racing with rmmod holds the module
 * while it looks at the ops. The reference a discipline attached by hsx
 * holds is given back at once (hsx_uart_tty_open()): a bound port must not
 * refuse rmmod, which unbinds it. Its close takes it again for the core to
 * drop (hsx_ldisc_close()).
 */
static struct tty_ldisc_ops hsx_ldisc_ops = {
	.owner = THIS_MODULE,
	.num = HSX_UART_LDISC,
	.name = "hsx_uart",
	.open = hsx_ldisc_open,
	.close = hsx_ldisc_close,
	.receive_buf2 = hsx_ldisc_receive_buf2,
	.write_wakeup = hsx_ldisc_write_wakeup,
	.hangup = hsx_ldisc_hangup,
	.dcd_change = hsx_ldisc_dcd_change,
};

int hsx_uart_tty_init(void)
{
	return tty_register_ldisc(&hsx_ldisc_ops);
}

void hsx_uart_tty_exit(void)
{
	tty_unregister_ldisc(&hsx_ldisc_ops);
}

/*
 * Raw bytes in both directions, every line error reported (parity and
 * framing need INPCK, a break BRKINT; see the 8250 and PL011 set_termios),
 * nothing echoed or translated.
 */
static void hsx_uart_raw_termios(struct ktermios *kt)
{
	kt->c_iflag = INPCK | BRKINT;
	kt->c_oflag = 0;
	kt->c_lflag = 0;
	kt->c_cflag = CS8 | CREAD | CLOCAL | BOTHER;
	tty_termios_encode_baud_rate(kt, 115200, 115200);
}

static void hsx_uart_get_termios(struct tty_struct *tty, struct ktermios *kt)
{
	down_read(&tty->termios_rwsem);
	*kt = tty->termios;
	up_read(&tty->termios_rwsem);
}

/*
 * Undo tty_kopen_exclusive() and the driver's open (tried, whatever its
 * outcome, as tty_release() does after a failed open), unless a hangup
 * closed the port already. @restore: settings to give the tty back first,
 * or NULL. The tty's lock keeps a hangup out meanwhile, and TTY_HUPPED,
 * set at its end, is read under it: a tty that hung up gets no call. Its
 * settings are still put back, in the tty alone: the last close saves
 * them for the tty's next open (a driver without TTY_DRIVER_RESET_TERMIOS,
 * usb-serial's: a USB adapter plugged in again), which hands them to the
 * driver then, so its next user does not find hsx's raw mode.
 */
static void hsx_uart_tty_put(struct tty_struct *tty, bool opened, struct ktermios *restore)
{
	tty_lock(tty);
	if (!test_bit(TTY_HUPPED, &tty->flags)) {
		if (restore)
			tty_set_termios(tty, restore);
		if (opened && tty->ops->close)
			tty->ops->close(tty, NULL);
	} else if (restore) {
		down_write(&tty->termios_rwsem);
		tty->termios = *restore;
		up_write(&tty->termios_rwsem);
	}
	tty_ldisc_flush(tty);
	tty_unlock(tty);
	tty_kclose(tty);
}

/*
 * The driver's count of bytes it could not hand to the tty layer (get_icount's
 * buf_overrun: its flip buffers were full, the tty layer's memory limit
 * reached). Context: in a read section of ops_rwsem, or under the tty's
 * lock before the discipline is attached.
 * Return: 0, or -EOPNOTSUPP without get_icount.
 */
static int hsx_uart_tty_buf_overruns(struct tty_struct *tty, u32 *count)
{
	struct serial_icounter_struct ic = {};
	int ret;

	if (!tty->ops->get_icount)
		return -EOPNOTSUPP;
	ret = tty->ops->get_icount(tty, &ic);
	if (!ret)
		*count = ic.buf_overrun;
	return ret;
}

/**
 * hsx_uart_tty_open - take the tty @name for @dev
 *
 * Return: 0, or -ENODEV (no such tty), -EBUSY (someone has it open), an
 * error of the driver's open or of attaching the discipline.
 */
int hsx_uart_tty_open(struct hsx_uart_dev *dev, const char *name)
{
	struct tty_struct *tty;
	struct ktermios kt;
	dev_t devt;
	u32 n = 0;
	int ret;

	ret = tty_dev_name_to_number(name, &devt);
	if (ret)
		return ret;
	tty = tty_kopen_exclusive(devt);
	if (IS_ERR(tty))
		return PTR_ERR(tty);

	/* tty_kopen_exclusive() returns it locked. Serial ports only: no VT, no pty. */
	if (tty->driver->type != TTY_DRIVER_TYPE_SERIAL) {
		tty_unlock(tty);
		hsx_uart_tty_put(tty, false, NULL);
		return -EINVAL;
	}
	ret = tty->ops->open ? tty->ops->open(tty, NULL) : -ENODEV;
	if (ret) {
		tty_unlock(tty);
		hsx_uart_tty_put(tty, true, NULL);
		return ret;
	}
	clear_bit(TTY_HUPPED, &tty->flags);
	hsx_uart_get_termios(tty, &kt);
	dev->saved_termios = kt;
	hsx_uart_raw_termios(&kt);
	tty_set_termios(tty, &kt);
	/* The driver's buffer overruns from now on are the port's. */
	dev->buf_overrun_known = !hsx_uart_tty_buf_overruns(tty, &n);
	dev->buf_overrun_seen = n;
	tty_unlock(tty);

	mutex_lock(&hsx_uart_attach_mutex);
	dev->tty = tty;
	hsx_uart_attaching_dev = dev;
	WRITE_ONCE(hsx_uart_attaching_tty, tty);
	ret = tty_set_ldisc(tty, HSX_UART_LDISC);
	WRITE_ONCE(hsx_uart_attaching_tty, NULL);
	hsx_uart_attaching_dev = NULL;
	mutex_unlock(&hsx_uart_attach_mutex);
	if (ret) {
		/* No discipline of hsx's on it, and so no DEAD: see hsx_uart_tty_put(). */
		dev->tty = NULL;
		hsx_uart_tty_put(tty, true, &dev->saved_termios);
		return ret;
	}
	module_put(THIS_MODULE);	/* see hsx_ldisc_ops */
	hsx_uart_get_termios(tty, &kt);
	dev->config.baud_actual = tty_termios_baud_rate(&kt);
	return 0;
}

/*
 * Every call into the driver is made in a read section of ops_rwsem, and not
 * once the tty hung up (see struct hsx_uart_dev).
 */
static bool hsx_uart_tty_enter(struct hsx_uart_dev *dev)
{
	down_read(&dev->ops_rwsem);
	if (!test_bit(HSX_UART_DEAD, &dev->flags))
		return true;
	up_read(&dev->ops_rwsem);
	return false;
}

static void hsx_uart_tty_leave(struct hsx_uart_dev *dev)
{
	up_read(&dev->ops_rwsem);
}

/*
 * Give the tty back, with the settings it had: the driver's close, then the
 * last reference, which detaches the discipline (no callback runs after it)
 * and lets a user open the tty again, with the default discipline. What was
 * not sent is discarded first: on a line stopped by flow control the close
 * would wait for it for the port's closing_wait (30 s on a 16550), with
 * every other binding, and rmmod, waiting behind it. Those calls into the
 * driver are made as every other (hsx_uart_tty_enter()): a hangup that
 * starts meanwhile waits for them, and none is made once it has.
 */
void hsx_uart_tty_close(struct hsx_uart_dev *dev)
{
	struct tty_struct *tty = dev->tty;

	if (hsx_uart_tty_enter(dev)) {
		tty_driver_flush_buffer(tty);
		/*
		 * As it was before: the next user finds its own settings, and
		 * not the loopback hsx may have set (the serial core keeps the
		 * modem control bits across opens).
		 */
		if (tty->ops->tiocmset)
			tty->ops->tiocmset(tty, 0, TIOCM_LOOP);
		tty_set_termios(tty, &dev->saved_termios);
		hsx_uart_tty_leave(dev);
		hsx_uart_tty_put(tty, true, NULL);
		return;
	}
	/* It hung up: the settings go back without the driver (see hsx_uart_tty_put()). */
	hsx_uart_tty_put(tty, true, &dev->saved_termios);
}

static tcflag_t hsx_uart_csize(u32 data_bits)
{
	switch (data_bits) {
	case 5:
		return CS5;
	case 6:
		return CS6;
	case 7:
		return CS7;
	default:
		return CS8;
	}
}

static tcflag_t hsx_uart_parity(u32 parity)
{
	switch (parity) {
	case HSX_UART_PAR_EVEN:
		return PARENB;
	case HSX_UART_PAR_ODD:
		return PARENB | PARODD;
	case HSX_UART_PAR_MARK:
		return PARENB | PARODD | CMSPAR;
	case HSX_UART_PAR_SPACE:
		return PARENB | CMSPAR;
	default:
		return 0;
	}
}

#define HSX_UART_FRAME_BITS (CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS)

/**
 * hsx_uart_tty_configure - apply @cfg (valid) to the tty
 *
 * The driver writes back what it did: a frame it changed, or a rate more
 * than 3% off the one asked for, is refused and the previous settings are
 * restored. Sets cfg->baud_actual. Context: under the port's config_lock.
 */
static int hsx_uart_tty_do_configure(struct hsx_uart_dev *dev, struct hsx_uart_config *cfg)
{
	struct tty_struct *tty = dev->tty;
	struct ktermios old, kt;
	tcflag_t frame;
	speed_t got;

	hsx_uart_get_termios(tty, &old);
	kt = old;
	frame = hsx_uart_csize(cfg->data_bits) | hsx_uart_parity(cfg->parity) |
		(cfg->stop_bits == 2 ? CSTOPB : 0) |
		(cfg->flow == HSX_UART_FC_RTSCTS ? CRTSCTS : 0);
	kt.c_cflag &= ~(HSX_UART_FRAME_BITS | CBAUD | (CBAUD << IBSHIFT));
	/* BOTHER first: the exact rate is encoded, not the nearest Bxxx. */
	kt.c_cflag |= frame | BOTHER;
	tty_termios_encode_baud_rate(&kt, cfg->baud, cfg->baud);
	kt.c_iflag &= ~(IXON | IXOFF | IXANY);
	if (cfg->flow == HSX_UART_FC_XONXOFF)
		kt.c_iflag |= IXON | IXOFF;
	tty_set_termios(tty, &kt);

	hsx_uart_get_termios(tty, &kt);
	got = tty_termios_baud_rate(&kt);
	if ((kt.c_cflag & HSX_UART_FRAME_BITS) != frame ||
	    abs((s64)got - (s64)cfg->baud) * 100 > 3 * (s64)cfg->baud) {
		tty_set_termios(tty, &old);
		return -EINVAL;
	}
	cfg->baud_actual = got;
	return 0;
}

int hsx_uart_tty_configure(struct hsx_uart_dev *dev, struct hsx_uart_config *cfg)
{
	int ret;

	if (!hsx_uart_tty_enter(dev))
		return -ENODEV;
	ret = hsx_uart_tty_do_configure(dev, cfg);
	hsx_uart_tty_leave(dev);
	return ret;
}

/*
 * Never sleeps (a caller's hsx_cap_srcu section covers it): the driver's
 * write may not, and the read section of ops_rwsem is only tried. It fails
 * only while a hangup, the one writer, waits for it or holds it: the port
 * is DEAD then, and -ENODEV is the answer either way.
 */
ssize_t hsx_uart_tty_write(struct hsx_uart_dev *dev, const u8 *buf, size_t len)
{
	ssize_t ret;

	if (!down_read_trylock(&dev->ops_rwsem))
		return -ENODEV;
	ret = test_bit(HSX_UART_DEAD, &dev->flags) ? -ENODEV :
						     dev->tty->ops->write(dev->tty, buf, len);
	hsx_uart_tty_leave(dev);
	return ret;
}

unsigned int hsx_uart_tty_write_room(struct hsx_uart_dev *dev)
{
	unsigned int room;

	if (!hsx_uart_tty_enter(dev))
		return 0;
	room = tty_write_room(dev->tty);
	hsx_uart_tty_leave(dev);
	return room;
}

/*
 * For a wait's condition, which may not sleep: true when there is room, or
 * when that cannot be told now (the waiter then looks again, awake).
 */
bool hsx_uart_tty_has_room(struct hsx_uart_dev *dev)
{
	bool room;

	if (!down_read_trylock(&dev->ops_rwsem))
		return true;
	room = test_bit(HSX_UART_DEAD, &dev->flags) || tty_write_room(dev->tty) > 0;
	up_read(&dev->ops_rwsem);
	return room;
}

unsigned int hsx_uart_tty_pending(struct hsx_uart_dev *dev)
{
	unsigned int pending;

	if (!hsx_uart_tty_enter(dev))
		return 0;
	pending = tty_chars_in_buffer(dev->tty);
	hsx_uart_tty_leave(dev);
	return pending;
}

/* TIOCM_* and HSX_UART_LN_*, in both directions. */
static const struct {
	u32 hsx;
	unsigned int tiocm;
} hsx_uart_line_map[] = {
	{ HSX_UART_LN_RTS, TIOCM_RTS }, { HSX_UART_LN_DTR, TIOCM_DTR },
	{ HSX_UART_LN_CTS, TIOCM_CTS }, { HSX_UART_LN_DSR, TIOCM_DSR },
	{ HSX_UART_LN_DCD, TIOCM_CD },  { HSX_UART_LN_RI, TIOCM_RI },
	{ HSX_UART_LN_LOOP, TIOCM_LOOP },
};

static unsigned int hsx_uart_to_tiocm(u32 lines)
{
	unsigned int i, tiocm = 0;

	for (i = 0; i < ARRAY_SIZE(hsx_uart_line_map); i++)
		if (lines & hsx_uart_line_map[i].hsx)
			tiocm |= hsx_uart_line_map[i].tiocm;
	return tiocm;
}

static u32 hsx_uart_from_tiocm(unsigned int tiocm)
{
	unsigned int i;
	u32 lines = 0;

	for (i = 0; i < ARRAY_SIZE(hsx_uart_line_map); i++)
		if (tiocm & hsx_uart_line_map[i].tiocm)
			lines |= hsx_uart_line_map[i].hsx;
	return lines;
}

/* Change then read the modem lines; -EOPNOTSUPP without any. */
static int hsx_uart_tty_do_lines(struct hsx_uart_dev *dev, u32 set, u32 clear, u32 *lines)
{
	struct tty_struct *tty = dev->tty;
	int ret;

	if (!tty->ops->tiocmget || !tty->ops->tiocmset)
		return -EOPNOTSUPP;
	if (set || clear) {
		ret = tty->ops->tiocmset(tty, hsx_uart_to_tiocm(set), hsx_uart_to_tiocm(clear));
		if (ret)
			return ret;
	}
	ret = tty->ops->tiocmget(tty);
	if (ret < 0)
		return ret;
	*lines = hsx_uart_from_tiocm(ret) & ~HSX_UART_LN_LOOP;
	return 0;
}

int hsx_uart_tty_lines(struct hsx_uart_dev *dev, u32 set, u32 clear, u32 *lines)
{
	int ret;

	if (!hsx_uart_tty_enter(dev))
		return -ENODEV;
	ret = hsx_uart_tty_do_lines(dev, set, clear, lines);
	hsx_uart_tty_leave(dev);
	return ret;
}

int hsx_uart_tty_break(struct hsx_uart_dev *dev, bool on)
{
	struct tty_struct *tty = dev->tty;
	int ret = -EOPNOTSUPP;

	if (!hsx_uart_tty_enter(dev))
		return -ENODEV;
	if (tty->ops->break_ctl)
		ret = tty->ops->break_ctl(tty, on ? -1 : 0);
	hsx_uart_tty_leave(dev);
	return ret;
}

void hsx_uart_tty_wait_sent(struct hsx_uart_dev *dev, long timeout)
{
	if (!hsx_uart_tty_enter(dev))
		return;
	tty_wait_until_sent(dev->tty, timeout);
	hsx_uart_tty_leave(dev);
}

void hsx_uart_tty_discard_tx(struct hsx_uart_dev *dev)
{
	if (!hsx_uart_tty_enter(dev))
		return;
	tty_driver_flush_buffer(dev->tty);
	hsx_uart_tty_leave(dev);
}

/**
 * hsx_uart_tty_fold_overruns - count the driver's buffer overruns as the port's
 *
 * The bytes a driver drops because the tty layer's buffers are full never
 * reach the discipline, so hsx learns of them only by asking the driver:
 * GET_STATUS and the sysfs counter do, and add what the driver counted
 * since the last time to the port's overruns (and so to the OVERRUN bit).
 * A count lower than the last (the driver reset it) is taken as the new
 * base, as is the first count read when the one at open could not be.
 * Drivers that receive through the serial core's uart_insert_char() (8250
 * and the mini-UART, PL011) count buf_overrun; usb-serial never does (its
 * generic read path ignores what tty_insert_flip_string() could not take),
 * so bytes a USB adapter's driver drops are not counted.
 * Context: process, may sleep (a call into the driver).
 */
void hsx_uart_tty_fold_overruns(struct hsx_uart_dev *dev)
{
	u32 now;
	int ret;

	mutex_lock(&dev->fold_lock);
	if (!hsx_uart_tty_enter(dev))
		goto out;
	ret = hsx_uart_tty_buf_overruns(dev->tty, &now);
	hsx_uart_tty_leave(dev);
	if (ret)
		goto out;
	spin_lock(&dev->rx_lock);
	if (dev->buf_overrun_known && now > dev->buf_overrun_seen)
		dev->overruns += now - dev->buf_overrun_seen;
	dev->buf_overrun_seen = now;
	dev->buf_overrun_known = true;
	spin_unlock(&dev->rx_lock);
out:
	mutex_unlock(&dev->fold_lock);
}
