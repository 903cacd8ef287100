// SPDX-License-Identifier: MIT
/*
 * The test board's serial ports, set up before hsx.ko loads (tests/vm/run
 * runs every /tests/<suite>/helpers/vm-setup). QEMU wires ttyS2 and ttyS3
 * back to back on IRQs 5 and 7, since the legacy IRQs 4 and 3 belong to the
 * console and the results port, and an ISA line cannot be shared; the
 * kernel's legacy table assumes 4 and 3, so each port is told its line here.
 * A port that cannot be set is an error: the UART tests would hang on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int set_irq(const char *path, int irq)
{
    struct serial_struct ss;
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        fprintf(stderr, "vm-setup: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (ioctl(fd, TIOCGSERIAL, &ss) < 0) {
        fprintf(stderr, "vm-setup: %s: TIOCGSERIAL: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    ss.irq = irq;
    if (ioctl(fd, TIOCSSERIAL, &ss) < 0) {
        fprintf(stderr, "vm-setup: %s: TIOCSSERIAL irq %d: %s\n", path, irq, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    printf("vm-setup: %s on IRQ %d\n", path, irq);
    return 0;
}

int main(void)
{
    int ret = 0;

    ret |= set_irq("/dev/ttyS2", 5);
    ret |= set_irq("/dev/ttyS3", 7);
    return ret ? 1 : 0;
}
