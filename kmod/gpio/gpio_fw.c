// SPDX-License-Identifier: GPL-2.0
/*
 * Pin bindings from firmware: a node compatible with "hsx,gpio" whose
 * "hsx-gpios" property lists one GPIO reference per HSX pin (entry n binds
 * pin n, <0> leaves a pin unbound) and whose optional "hsx-gpio-names" names
 * the pins. The binding is documented in dts-overlays/hsx,gpio.yaml.
 *
 * Everything is read through the fwnode property API, so a device tree node,
 * an ACPI _DSD (through PRP0001) or a software node serve alike. The node's
 * platform device is the consumer the gpiolib backend requests lines for:
 * gpiod_get_index(dev, "hsx", pin) reads the same property and applies the
 * reference's flags, as for any kernel driver named in a device tree.
 *
 * This file only validates the list at probe, keeps it to describe the
 * bindings (/sys/hal/gpio/<pin>/mapping), and hands it to the backend. While
 * the node is bound its bindings are the only ones: the admin cannot remap.
 * The driver cannot be unbound from user space (suppress_bind_attrs); the
 * node may still go away (an overlay removed at run time, or hsx unloaded),
 * and then every line it bound is released first (hsx_gpio_rebind()).
 */
#include <linux/acpi.h>
#include <linux/errno.h>
#include <linux/gpio/driver.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "gpio.h"

#define HSX_GPIO_FW_LIST "hsx-gpios"
#define HSX_GPIO_FW_NAMES "hsx-gpio-names"

/* Two entries name the same line: same controller, same cells but the flags. */
static bool hsx_gpio_fw_same_line(const struct fwnode_reference_args *a,
				  const struct fwnode_reference_args *b)
{
	/* By the GPIO binding's convention the last of several cells holds the flags. */
	unsigned int cells = a->nargs > 1 ? a->nargs - 1 : a->nargs;
	unsigned int i;

	if (a->fwnode != b->fwnode || a->nargs != b->nargs)
		return false;
	for (i = 0; i < cells; i++)
		if (a->args[i] != b->args[i])
			return false;
	return true;
}

static int hsx_gpio_fw_check_ref(const struct hsx_gpio_fw_map *map, unsigned int pin)
{
	const struct fwnode_reference_args *ref = &map->pins[pin].ref;
	unsigned int other;

	/* An ACPI reference names the consumer's own GpioIo resource, not a controller. */
	if (!is_acpi_node(ref->fwnode) && !fwnode_property_present(ref->fwnode, "gpio-controller"))
		return -EINVAL;
	if (!ref->nargs || ref->args[0] > U16_MAX)
		return -EINVAL;
	for (other = 0; other < pin; other++)
		if (map->pins[other].ref.fwnode &&
		    hsx_gpio_fw_same_line(&map->pins[other].ref, ref))
			return -EINVAL;
	return 0;
}

/* hsx-gpio-names: optional; a name per entry, "" for none, unique, none on a hole. */
static int hsx_gpio_fw_parse_names(const struct fwnode_handle *fwnode,
				   struct hsx_gpio_fw_map *map)
{
	const char **names;
	int i, j, n, ret = 0;

	if (!fwnode_property_present(fwnode, HSX_GPIO_FW_NAMES))
		return 0;
	n = fwnode_property_string_array_count(fwnode, HSX_GPIO_FW_NAMES);
	if (n <= 0 || n > (int)map->count)
		return -EINVAL;
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	if (!names)
		return -ENOMEM;
	if (fwnode_property_read_string_array(fwnode, HSX_GPIO_FW_NAMES, names, n) != n) {
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < n && !ret; i++) {
		if (!names[i][0])
			continue;
		if (!map->pins[i].ref.fwnode ||
		    strscpy(map->pins[i].name, names[i], HSX_GPIO_LABEL_MAX) < 0)
			ret = -EINVAL;
		for (j = 0; j < i && !ret; j++)
			if (!strcmp(map->pins[j].name, names[i]))
				ret = -EINVAL;
	}
out:
	kfree(names);
	return ret;
}

/**
 * hsx_gpio_fw_parse - read and validate a node's hsx-gpios and hsx-gpio-names
 * @fwnode: the node
 * @map: filled; holds a reference on each controller node until
 *	hsx_gpio_fw_put(), also when parsing fails
 *
 * Rejected: no list, an entry that is not a reference to a GPIO controller
 * with its #gpio-cells cells, more than HSX_GPIO_MAX_PINS entries, a list
 * that binds no pin, a line bound to two pins, and names that are too many,
 * too long, duplicated or given to a hole.
 *
 * Return: 0, -ENOENT without hsx-gpios, -E2BIG for too many pins, -EINVAL
 * for anything else malformed, -ENOMEM.
 */
int hsx_gpio_fw_parse(const struct fwnode_handle *fwnode, struct hsx_gpio_fw_map *map)
{
	unsigned int pin;
	int ret;

	memset(map, 0, sizeof(*map));
	if (!fwnode_property_present(fwnode, HSX_GPIO_FW_LIST))
		return -ENOENT;
	for (pin = 0; pin <= HSX_GPIO_MAX_PINS; pin++) {
		struct fwnode_reference_args ref;

		ret = fwnode_property_get_reference_args(fwnode, HSX_GPIO_FW_LIST, "#gpio-cells",
							 0, pin, &ref);
		/* Both a hole and the end of the list read as "no such entry". */
		if (ret == -ENOENT)
			continue;
		if (ret)
			return -EINVAL;
		if (pin == HSX_GPIO_MAX_PINS) {
			fwnode_handle_put(ref.fwnode);
			return -E2BIG;
		}
		map->pins[pin].ref = ref;
		map->count = pin + 1;
		ret = hsx_gpio_fw_check_ref(map, pin);
		if (ret)
			return ret;
	}
	if (!map->count)
		return -EINVAL;
	return hsx_gpio_fw_parse_names(fwnode, map);
}

/** hsx_gpio_fw_put - drop the references hsx_gpio_fw_parse() took */
void hsx_gpio_fw_put(struct hsx_gpio_fw_map *map)
{
	unsigned int pin;

	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
		fwnode_handle_put(map->pins[pin].ref.fwnode);
		map->pins[pin].ref.fwnode = NULL;
	}
}

struct hsx_gpio_fw_match {
	const struct fwnode_reference_args *ref;
	char *chip;
	size_t chip_len;
	u32 *offset;
};

/*
 * Is gc the chip ref names? Runs under gpiolib's list lock, so it copies what
 * it needs while the chip cannot go away. A controller node may carry several
 * chips; its of_xlate() then tells which one the cells mean, as gpiolib does.
 */
static int hsx_gpio_fw_match_chip(struct gpio_chip *gc, HSX_GPIO_MATCH_CONST void *data)
{
	const struct hsx_gpio_fw_match *m = data;
	struct fwnode_handle *fwnode = gc->fwnode;
	int offset = m->ref->args[0];

	if (!fwnode && gc->parent)
		fwnode = dev_fwnode(gc->parent);
	if (!fwnode || fwnode != m->ref->fwnode)
		return 0;
#ifdef CONFIG_OF_GPIO
	if (is_of_node(fwnode) && gc->of_xlate) {
		struct of_phandle_args spec = {
			.np = to_of_node(fwnode),
			.args_count = min_t(unsigned int, m->ref->nargs, MAX_PHANDLE_ARGS),
		};
		unsigned int i;
		u32 flags;

		for (i = 0; i < spec.args_count; i++)
			spec.args[i] = m->ref->args[i];
		offset = gc->of_xlate(gc, &spec, &flags);
	}
#endif
	if (offset < 0 || offset >= gc->ngpio)
		return 0;
	strscpy(m->chip, gc->label ?: "", m->chip_len);
	*m->offset = offset;
	return 1;
}

/**
 * hsx_gpio_fw_describe - the chip label and offset a reference names
 * @ref: a bound entry of hsx-gpios
 *
 * Before the controller's driver registered its chip, this is the controller
 * node's name and the first cell.
 */
void hsx_gpio_fw_describe(const struct fwnode_reference_args *ref, char *chip, size_t chip_len,
			  u32 *offset)
{
	struct hsx_gpio_fw_match m = {
		.ref = ref, .chip = chip, .chip_len = chip_len, .offset = offset,
	};

	if (hsx_gpiochip_find(&m, hsx_gpio_fw_match_chip))
		return;
	strscpy(chip, fwnode_get_name(ref->fwnode) ?: "", chip_len);
	*offset = ref->args[0];
}

static int hsx_gpio_fw_attach(void *data)
{
	struct device *dev = data;

	return hsx_gpiolib_set_fw(dev, dev_get_drvdata(dev));
}

static int hsx_gpio_fw_detach(void *data)
{
	return hsx_gpiolib_set_fw(NULL, NULL);
}

static int hsx_gpio_fw_probe(struct platform_device *pdev)
{
	struct hsx_gpio_fw_map *map;
	unsigned int pin, bound = 0;
	int ret;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	ret = hsx_gpio_fw_parse(dev_fwnode(&pdev->dev), map);
	if (ret) {
		dev_err(&pdev->dev, "invalid %s/%s (%d); see hsx,gpio.yaml\n", HSX_GPIO_FW_LIST,
			HSX_GPIO_FW_NAMES, ret);
		goto err_put;
	}
	platform_set_drvdata(pdev, map);
	/* Lines requested through another binding must be released first. */
	ret = hsx_gpio_rebind(hsx_gpio_fw_attach, &pdev->dev, false);
	if (ret) {
		dev_err(&pdev->dev, "cannot take over the pin bindings (%d)%s\n", ret,
			ret == -EBUSY ? ": pins in use, or a second hsx,gpio node" : "");
		goto err_put;
	}
	for (pin = 0; pin < map->count; pin++)
		bound += !!map->pins[pin].ref.fwnode;
	dev_info(&pdev->dev, "%u HSX pins bound by firmware\n", bound);
	return 0;

err_put:
	platform_set_drvdata(pdev, NULL);
	hsx_gpio_fw_put(map);
	kfree(map);
	return ret;
}

/* The node goes away (or hsx unloads): its lines cannot stay held. */
static void hsx_gpio_fw_remove(struct platform_device *pdev)
{
	struct hsx_gpio_fw_map *map = platform_get_drvdata(pdev);

	hsx_gpio_rebind(hsx_gpio_fw_detach, NULL, true);
	hsx_gpio_fw_put(map);
	kfree(map);
}

static const struct of_device_id hsx_gpio_fw_of_match[] = {
	{ .compatible = "hsx,gpio" },
	{}
};
MODULE_DEVICE_TABLE(of, hsx_gpio_fw_of_match);

static struct platform_driver hsx_gpio_fw_driver = {
	.probe = hsx_gpio_fw_probe,
	.hsx_platform_remove = hsx_gpio_fw_remove,
	.driver = {
		.name = "hsx-gpio-fw",
		.of_match_table = hsx_gpio_fw_of_match,
		.suppress_bind_attrs = true,
	},
};

int hsx_gpio_fw_register(void)
{
	return platform_driver_register(&hsx_gpio_fw_driver);
}

void hsx_gpio_fw_unregister(void)
{
	platform_driver_unregister(&hsx_gpio_fw_driver);
}
