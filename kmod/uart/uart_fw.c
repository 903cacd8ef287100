// SPDX-License-Identifier: GPL-2.0
/*
 * Port bindings from firmware: a node compatible with "hsx,uart" whose
 * "hsx-uarts" property lists one serial controller per HSX port (entry n
 * binds port n, <0> leaves a port unbound). The binding is documented in
 * dts-overlays/hsx,uart.yaml; the Raspberry Pi's header UART has an overlay
 * beside it.
 *
 * A controller is named by its node, a tty by its name: the tty is the one
 * the controller's driver registered below the controller's device: its
 * child up to 6.4's serial core, since 6.5's the child of the port device
 * under the controller device the core adds (<ctrl>:0/<ctrl>:0.0/ttyS1); a
 * USB serial port's the child of the port's device. A controller whose tty
 * is not there yet defers the probe.
 *
 * While the node is bound its ports are the firmware's: the admin cannot
 * remap them (HSX_IOC_UART_MAP says EOPNOTSUPP). The driver cannot be unbound
 * from user space; the node may still go away (an overlay removed, hsx
 * unloaded), and then its ports are unbound.
 */
#include <linux/amba/bus.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kdev_t.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/string.h>

#include "binding.h"
#include "compat.h"
#include "uart.h"

#define HSX_UART_FW_LIST "hsx-uarts"

/* How far below the controller's device its tty may be (6.5's serial core: 3). */
#define HSX_UART_FW_TTY_DEPTH 3

struct hsx_uart_fw_tty {
	char *name;
	size_t len;
	unsigned int depth;
};

/*
 * A device below the controller's with a device number is the controller's tty:
 * @child, or one below it, up to HSX_UART_FW_TTY_DEPTH levels down.
 */
static int hsx_uart_fw_child(struct device *child, void *data)
{
	struct hsx_uart_fw_tty *tty = data;
	int found;

	if (MAJOR(child->devt) && !strncmp(dev_name(child), "tty", 3)) {
		strscpy(tty->name, dev_name(child), tty->len);
		return 1;
	}
	if (tty->depth + 1 >= HSX_UART_FW_TTY_DEPTH)
		return 0;
	tty->depth++;
	found = device_for_each_child(child, tty, hsx_uart_fw_child);
	tty->depth--;
	return found;
}

/* The device firmware described by @ctrl, on the buses serial controllers sit on. */
static struct device *hsx_uart_fw_device(struct fwnode_handle *ctrl)
{
	struct device *dev = bus_find_device_by_fwnode(&platform_bus_type, ctrl);

#ifdef CONFIG_ARM_AMBA
	if (!dev)
		dev = bus_find_device_by_fwnode(&amba_bustype, ctrl);
#endif
	return dev;
}

/**
 * hsx_uart_fw_tty_name - the tty of the serial controller @ctrl
 * Return: 0, or -EPROBE_DEFER while the controller or its tty is missing.
 */
static int hsx_uart_fw_tty_name(struct fwnode_handle *ctrl, char *name, size_t len)
{
	struct hsx_uart_fw_tty tty = { .name = name, .len = len };
	struct device *dev = hsx_uart_fw_device(ctrl);
	int found;

	if (!dev)
		return -EPROBE_DEFER;
	found = device_for_each_child(dev, &tty, hsx_uart_fw_child);
	put_device(dev);
	return found ? 0 : -EPROBE_DEFER;
}

/* Entry @port of the list: the tty of its controller, into row @port of @data. */
static int hsx_uart_fw_entry(struct fwnode_handle *ctrl, unsigned int port, void *data)
{
	char (*ttys)[HSX_UART_TTY_NAME_MAX] = data;

	return hsx_uart_fw_tty_name(ctrl, ttys[port], HSX_UART_TTY_NAME_MAX);
}

/**
 * hsx_uart_fw_parse - the ttys a firmware node binds
 * @ttys: per port, the tty's name, or "" for a hole (zeroed by the caller)
 *
 * Return: the number of entries (ports 0..n-1), -EINVAL for a list longer
 * than the ports or not a list of references, -EPROBE_DEFER.
 */
static int hsx_uart_fw_parse(const struct fwnode_handle *fwnode,
			     char ttys[HSX_UART_MAX_PORTS][HSX_UART_TTY_NAME_MAX])
{
	return hsx_fw_walk_refs(fwnode, HSX_UART_FW_LIST, HSX_UART_MAX_PORTS, hsx_uart_fw_entry,
				ttys);
}

static int hsx_uart_fw_probe(struct platform_device *pdev)
{
	char (*ttys)[HSX_UART_TTY_NAME_MAX];
	int count, port, ret, bound = 0;

	ttys = kcalloc(HSX_UART_MAX_PORTS, sizeof(*ttys), GFP_KERNEL);
	if (!ttys)
		return -ENOMEM;
	count = hsx_uart_fw_parse(dev_fwnode(&pdev->dev), ttys);
	if (count < 0) {
		ret = count;
		if (ret != -EPROBE_DEFER)
			dev_err(&pdev->dev, "invalid %s (%d); see hsx,uart.yaml\n",
				HSX_UART_FW_LIST, ret);
		goto out;
	}
	for (port = 0; port < count; port++) {
		if (!ttys[port][0])
			continue;
		ret = hsx_uart_fw_bind(port, ttys[port], pdev);
		if (ret) {
			dev_err(&pdev->dev, "port %d: cannot bind %s (%d)%s\n", port, ttys[port],
				ret, ret == -EBUSY ? ": in use, or bound already" : "");
			hsx_uart_fw_unbind(pdev);
			goto out;
		}
		bound++;
	}
	dev_info(&pdev->dev, "%d HSX UART ports bound by firmware\n", bound);
	ret = 0;
out:
	kfree(ttys);
	return ret;
}

static void hsx_uart_fw_remove(struct platform_device *pdev)
{
	hsx_uart_fw_unbind(pdev);
}

static const struct of_device_id hsx_uart_fw_of_match[] = {
	{ .compatible = "hsx,uart" },
	{}
};
MODULE_DEVICE_TABLE(of, hsx_uart_fw_of_match);

static struct platform_driver hsx_uart_fw_driver = {
	.probe = hsx_uart_fw_probe,
	.hsx_platform_remove = hsx_uart_fw_remove,
	.driver = {
		.name = "hsx-uart-fw",
		.of_match_table = hsx_uart_fw_of_match,
		.suppress_bind_attrs = true,
	},
};

int hsx_uart_fw_register(void)
{
	return platform_driver_register(&hsx_uart_fw_driver);
}

void hsx_uart_fw_unregister(void)
{
	platform_driver_unregister(&hsx_uart_fw_driver);
}
