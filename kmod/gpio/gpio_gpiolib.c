// SPDX-License-Identifier: GPL-2.0
/*
 * The gpiolib backend of the GPIO module: HSX pins are lines of gpiochips,
 * requested through the consumer API by descriptor, never by legacy number.
 *
 * Binding: hsx registers its own platform device, "hsx-gpio", and a gpiod
 * lookup table for it whose entry with index n names the chip (by label) and
 * offset of pin n. gpiod_get_index(dev, "hsx", n) then finds the line exactly
 * as it would from a device tree's hsx-gpios property, and gpioinfo shows the
 * line as used by "hsx". The table comes from the gpio_map module parameter
 * and the admin ioctl, and is rebuilt whenever a binding changes.
 *
 * While a firmware node binds the pins (gpio_fw.c), lines are requested for
 * that node's device instead, and the table is set aside: the firmware
 * describes the board, so its bindings are fixed and its flags apply.
 */
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pinctrl/pinconf-generic.h>
#include <linux/property.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "gpio.h"

#define HSX_GPIOLIB_DEV "hsx-gpio"
#define HSX_GPIOLIB_CON_ID "hsx"

struct hsx_gpio_line {
	struct gpio_desc *desc;
	unsigned int pin;
	u32 drive;		/* HSX_GPIO_F_OPEN_DRAIN / _SOURCE it was requested with */
	bool fw_active_low;	/* the binding's own polarity, as requested */
};

struct hsx_gpiolib_binding {
	char chip[HSX_GPIO_LABEL_MAX];
	u32 offset;
	bool mapped;
	unsigned long lookup_flags;
	struct hsx_gpio_line *line;	/* while acquired */
};

/* Guards the bindings, the lookup table and every request and release. */
static DEFINE_MUTEX(hsx_gpiolib_lock);
static struct hsx_gpiolib_binding hsx_gpiolib_pins[HSX_GPIO_MAX_PINS];
static struct gpiod_lookup_table *hsx_gpiolib_table;
static bool hsx_gpiolib_table_added;
static struct platform_device *hsx_gpiolib_pdev;
/* While a firmware node binds the pins: its device and its list. */
static struct device *hsx_gpiolib_fw_dev;
static const struct hsx_gpio_fw_map *hsx_gpiolib_fw;

/* Re-publish the lookup table after a binding or its flags changed. */
static void hsx_gpiolib_publish_locked(void)
{
	struct gpiod_lookup *entry = hsx_gpiolib_table->table;
	unsigned int pin;

	lockdep_assert_held(&hsx_gpiolib_lock);
	if (hsx_gpiolib_table_added)
		gpiod_remove_lookup_table(hsx_gpiolib_table);
	for (pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
		const struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[pin];

		if (!b->mapped)
			continue;
		*entry++ = (struct gpiod_lookup)GPIO_LOOKUP_IDX(b->chip, b->offset,
							      HSX_GPIOLIB_CON_ID, pin,
							      b->lookup_flags);
	}
	memset(entry, 0, sizeof(*entry));
	gpiod_add_lookup_table(hsx_gpiolib_table);
	hsx_gpiolib_table_added = true;
}

/*
 * A line's name. Chips name lines either statically (gc->names) or through
 * the "gpio-line-names" property of their firmware node (device tree, ACPI,
 * software nodes such as gpio-sim's), which gpiolib keeps only in its private
 * descriptors: read the property, as gpiolib itself does.
 *
 * Context: a hsx_gpiochip_find() match callback, the only place where @gc is
 * sure to be alive (gpiolib's list lock, or the device's SRCU): no sleeping.
 */
static void hsx_gpiolib_line_name(struct gpio_chip *gc, unsigned int offset, char *buf,
				  size_t len)
{
	struct fwnode_handle *fwnode = gc->fwnode;
	const char **names;
	int count;

	if (gc->names && offset < gc->ngpio && gc->names[offset]) {
		strscpy(buf, gc->names[offset], len);
		return;
	}
	if (!fwnode && gc->parent)
		fwnode = dev_fwnode(gc->parent);
	if (!fwnode)
		return;
	count = fwnode_property_string_array_count(fwnode, "gpio-line-names");
	if (count <= (int)offset)
		return;
	names = kcalloc(count, sizeof(*names), GFP_ATOMIC);
	if (!names)
		return;
	count = fwnode_property_read_string_array(fwnode, "gpio-line-names", names, count);
	if (count > (int)offset && names[offset])
		strscpy(buf, names[offset], len);
	kfree(names);
}

/**
 * hsx_gpiolib_set_fw - bind the pins by a firmware node, or stop
 * @dev: the node's device, or NULL to go back to the table
 * @map: its validated list, owned by the caller until it stops
 *
 * Called through hsx_gpio_rebind(), so no line is held.
 * Return: 0, or -EBUSY when another node binds the pins already.
 */
int hsx_gpiolib_set_fw(struct device *dev, const struct hsx_gpio_fw_map *map)
{
	unsigned int pin;
	int ret = 0;

	mutex_lock(&hsx_gpiolib_lock);
	if (dev && hsx_gpiolib_fw_dev) {
		ret = -EBUSY;
	} else {
		for (pin = 0; dev && pin < HSX_GPIO_MAX_PINS; pin++)
			if (hsx_gpiolib_pins[pin].mapped) {
				dev_notice(dev, "gpio_map and admin bindings set aside while bound\n");
				break;
			}
		hsx_gpiolib_fw_dev = dev;
		hsx_gpiolib_fw = map;
	}
	mutex_unlock(&hsx_gpiolib_lock);
	return ret;
}

static bool hsx_gpiolib_mapped_locked(unsigned int pin)
{
	lockdep_assert_held(&hsx_gpiolib_lock);
	if (hsx_gpiolib_fw)
		return hsx_gpiolib_fw->pins[pin].ref.fwnode;
	return hsx_gpiolib_pins[pin].mapped;
}

struct hsx_gpiolib_name_query {
	struct gpio_desc *desc;
	unsigned int offset;
	char *buf;
	size_t len;
};

/* Under gpiolib's lock: is @gc the chip of the line asked about? Then name it. */
static int hsx_gpiolib_name_match(struct gpio_chip *gc, HSX_GPIO_MATCH_CONST void *data)
{
	const struct hsx_gpiolib_name_query *q = data;

	if (gc != gpiod_to_chip(q->desc))
		return 0;
	hsx_gpiolib_line_name(gc, q->offset, q->buf, q->len);
	return 1;
}

static int hsx_gpiolib_info(struct hsx_gpio_info *info)
{
	struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[info->pin];

	mutex_lock(&hsx_gpiolib_lock);
	info->mapped = hsx_gpiolib_mapped_locked(info->pin);
	info->offset = info->mapped ? b->offset : 0;
	strscpy(info->chip, info->mapped ? b->chip : "", sizeof(info->chip));
	info->name[0] = '\0';
	if (hsx_gpiolib_fw && info->mapped) {
		const struct hsx_gpio_fw_pin *fp = &hsx_gpiolib_fw->pins[info->pin];

		hsx_gpio_fw_describe(&fp->ref, info->chip, sizeof(info->chip), &info->offset);
		/* The board's name for the pin, if it gives one, before the chip's. */
		strscpy(info->name, fp->name, sizeof(info->name));
	}
	if (!info->name[0] && b->line && b->line->desc) {
		/*
		 * Holding a line keeps its gpio_device, not its chip: the chip
		 * may be removed under it. Read the chip's names only where
		 * gpiolib keeps it alive.
		 */
		struct hsx_gpiolib_name_query q = {
			.desc = b->line->desc, .offset = info->offset,
			.buf = info->name, .len = sizeof(info->name),
		};

		hsx_gpiochip_find(&q, hsx_gpiolib_name_match);
	}
	mutex_unlock(&hsx_gpiolib_lock);
	return 0;
}

static int hsx_gpiolib_map(unsigned int pin, const char *chip, unsigned int offset)
{
	struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[pin];
	int ret = 0;

	if (!*chip || strnlen(chip, HSX_GPIO_LABEL_MAX) >= HSX_GPIO_LABEL_MAX || offset > U16_MAX)
		return -EINVAL;
	mutex_lock(&hsx_gpiolib_lock);
	if (hsx_gpiolib_fw) {
		ret = -EOPNOTSUPP;
	} else if (b->line) {
		ret = -EBUSY;
	} else {
		strscpy(b->chip, chip, sizeof(b->chip));
		b->offset = offset;
		b->mapped = true;
		hsx_gpiolib_publish_locked();
	}
	mutex_unlock(&hsx_gpiolib_lock);
	return ret;
}

static int hsx_gpiolib_unmap(unsigned int pin)
{
	struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[pin];
	int ret = 0;

	mutex_lock(&hsx_gpiolib_lock);
	if (hsx_gpiolib_fw) {
		ret = -EOPNOTSUPP;
	} else if (b->line) {
		ret = -EBUSY;
	} else if (b->mapped) {
		b->mapped = false;
		hsx_gpiolib_publish_locked();
	}
	mutex_unlock(&hsx_gpiolib_lock);
	return ret;
}

static unsigned long hsx_gpiolib_bias(u32 pull)
{
	switch (pull) {
	case HSX_GPIO_P_UP:
		return pinconf_to_config_packed(PIN_CONFIG_BIAS_PULL_UP, 1);
	case HSX_GPIO_P_DOWN:
		return pinconf_to_config_packed(PIN_CONFIG_BIAS_PULL_DOWN, 1);
	default:
		return pinconf_to_config_packed(PIN_CONFIG_BIAS_DISABLE, 0);
	}
}

#ifdef HSX_TEST_MODULES
/*
 * Test builds only: /sys/kernel/debug/hsx_gpio_test/fail_next_configure. Set,
 * the next configuration fails after the line's direction changed, as a chip
 * that refuses the bias would: what the module does with a half-applied
 * configuration is then testable on gpio-sim, which refuses nothing.
 */
static bool hsx_gpiolib_fail_next;
static struct dentry *hsx_gpiolib_test_dir;

static bool hsx_gpiolib_fail_injected(void)
{
	return xchg(&hsx_gpiolib_fail_next, false);
}

static void hsx_gpiolib_test_init(void)
{
	hsx_gpiolib_test_dir = debugfs_create_dir("hsx_gpio_test", NULL);
	debugfs_create_bool("fail_next_configure", 0600, hsx_gpiolib_test_dir,
			    &hsx_gpiolib_fail_next);
}

static void hsx_gpiolib_test_exit(void)
{
	debugfs_remove_recursive(hsx_gpiolib_test_dir);
}
#else
static bool hsx_gpiolib_fail_injected(void)
{
	return false;
}

static void hsx_gpiolib_test_init(void)
{
}

static void hsx_gpiolib_test_exit(void)
{
}
#endif

/*
 * Apply direction, bias, polarity and debounce to a requested line. Returns
 * 1 when the chip cannot debounce and the module must do it in software.
 */
static int hsx_gpiolib_apply(struct hsx_gpio_line *line, const struct hsx_gpio_config *cfg)
{
	/* The firmware's polarity describes the board; the application's inverts it. */
	bool active_low = line->fw_active_low ^ !!(cfg->flags & HSX_GPIO_F_ACTIVE_LOW);
	int ret, sw_debounce = 0;

	if (gpiod_is_active_low(line->desc) != active_low)
		gpiod_toggle_active_low(line->desc);

	if (cfg->mode == HSX_GPIO_M_OUTPUT)
		ret = gpiod_direction_output(line->desc, !!(cfg->flags & HSX_GPIO_F_INIT_HIGH));
	else
		ret = gpiod_direction_input(line->desc);
	if (ret)
		return ret;
	if (hsx_gpiolib_fail_injected())
		return -EIO;

	ret = gpiod_set_config(line->desc, hsx_gpiolib_bias(cfg->pull));
	/* A chip without bias control satisfies "no pull"; not "pull up". */
	if (ret == -ENOTSUPP || ret == -EOPNOTSUPP)
		ret = cfg->pull == HSX_GPIO_P_NONE ? 0 : -EOPNOTSUPP;
	if (ret)
		return ret;

	if (cfg->mode == HSX_GPIO_M_INPUT) {
		ret = gpiod_set_debounce(line->desc, cfg->debounce_us);
		if (ret == -ENOTSUPP || ret == -EOPNOTSUPP) {
			sw_debounce = cfg->debounce_us ? 1 : 0;
			ret = 0;
		}
		if (ret)
			return ret;
	}
	return sw_debounce;
}

static unsigned long hsx_gpiolib_drive_flags(u32 flags)
{
	if (flags & HSX_GPIO_F_OPEN_DRAIN)
		return GPIO_OPEN_DRAIN;
	if (flags & HSX_GPIO_F_OPEN_SOURCE)
		return GPIO_OPEN_SOURCE;
	return 0;
}

/*
 * A firmware binding's own flags apply at request. The only drive a consumer
 * can add to them is open drain (gpiolib emulates it where the chip cannot,
 * and notes that the firmware should have said so); open source has to be
 * in the firmware's reference.
 */
static struct gpio_desc *hsx_gpiolib_request_fw_locked(unsigned int pin, u32 flags)
{
	if (flags & HSX_GPIO_F_OPEN_SOURCE)
		return ERR_PTR(-EOPNOTSUPP);
	return gpiod_get_index(hsx_gpiolib_fw_dev, HSX_GPIOLIB_CON_ID, pin,
			       flags & HSX_GPIO_F_OPEN_DRAIN ? GPIOD_FLAGS_BIT_OPEN_DRAIN :
			       GPIOD_ASIS);
}

/* Request pin's line with the drive mode in its lookup entry, or its firmware's. */
static int hsx_gpiolib_request_locked(struct hsx_gpio_line *line, u32 flags)
{
	struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[line->pin];
	unsigned long lookup_flags = hsx_gpiolib_drive_flags(flags);
	struct gpio_desc *desc;

	lockdep_assert_held(&hsx_gpiolib_lock);
	if (hsx_gpiolib_fw) {
		desc = hsx_gpiolib_request_fw_locked(line->pin, flags);
	} else {
		if (b->lookup_flags != lookup_flags) {
			b->lookup_flags = lookup_flags;
			hsx_gpiolib_publish_locked();
		}
		desc = gpiod_get_index(&hsx_gpiolib_pdev->dev, HSX_GPIOLIB_CON_ID, line->pin,
				       GPIOD_ASIS);
	}
	if (IS_ERR(desc))
		/* No chip with that label (yet): the binding names nothing that exists. */
		return PTR_ERR(desc) == -ENOENT || PTR_ERR(desc) == -EPROBE_DEFER ?
		       -ENODEV : PTR_ERR(desc);
	line->desc = desc;
	line->drive = flags & (HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE);
	line->fw_active_low = gpiod_is_active_low(desc);
	return 0;
}

static int hsx_gpiolib_acquire(unsigned int pin, const struct hsx_gpio_config *cfg,
			       struct hsx_gpio_line **out)
{
	struct hsx_gpiolib_binding *b = &hsx_gpiolib_pins[pin];
	struct hsx_gpio_line *line;
	int ret;

	line = kzalloc(sizeof(*line), GFP_KERNEL);
	if (!line)
		return -ENOMEM;
	line->pin = pin;

	mutex_lock(&hsx_gpiolib_lock);
	ret = -ENXIO;
	if (!hsx_gpiolib_mapped_locked(pin))
		goto err_unlock;
	ret = -EBUSY;
	if (WARN_ON_ONCE(b->line))
		goto err_unlock;
	ret = hsx_gpiolib_request_locked(line, cfg->flags);
	if (ret)
		goto err_unlock;
	ret = hsx_gpiolib_apply(line, cfg);
	if (ret < 0) {
		gpiod_put(line->desc);
		goto err_unlock;
	}
	b->line = line;
	mutex_unlock(&hsx_gpiolib_lock);
	*out = line;
	return ret;

err_unlock:
	mutex_unlock(&hsx_gpiolib_lock);
	kfree(line);
	return ret;
}

static int hsx_gpiolib_configure(struct hsx_gpio_line *line, const struct hsx_gpio_config *cfg)
{
	u32 drive = cfg->flags & (HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE);
	int ret = 0;

	mutex_lock(&hsx_gpiolib_lock);
	/* gpiolib fixes the drive mode at request time: request the line again. */
	if (drive != line->drive) {
		struct gpio_desc *old = line->desc;

		gpiod_put(old);
		ret = hsx_gpiolib_request_locked(line, cfg->flags);
		if (ret) {
			/* Get the line back as it was, so the pin stays usable. */
			if (hsx_gpiolib_request_locked(line, line->drive))
				line->desc = NULL;
		}
	}
	if (!ret && line->desc)
		ret = hsx_gpiolib_apply(line, cfg);
	else if (!line->desc)
		ret = -ENODEV;
	mutex_unlock(&hsx_gpiolib_lock);
	return ret;
}

static void hsx_gpiolib_release(struct hsx_gpio_line *line)
{
	mutex_lock(&hsx_gpiolib_lock);
	hsx_gpiolib_pins[line->pin].line = NULL;
	if (line->desc)
		gpiod_put(line->desc);
	mutex_unlock(&hsx_gpiolib_lock);
	kfree(line);
}

/*
 * A line whose chip went away (hot-unplug, a gpio-sim bank taken down) is
 * ENODEV, as gpiolib's character device says; gpiolib itself would read 0.
 * The check is a hint that spares the call: gpiolib checks again inside.
 */
static bool hsx_gpiolib_line_gone(struct hsx_gpio_line *line)
{
	return !line->desc || !gpiod_to_chip(line->desc);
}

static int hsx_gpiolib_get(struct hsx_gpio_line *line)
{
	return hsx_gpiolib_line_gone(line) ? -ENODEV : gpiod_get_value_cansleep(line->desc);
}

static int hsx_gpiolib_set(struct hsx_gpio_line *line, int value)
{
	if (hsx_gpiolib_line_gone(line))
		return -ENODEV;
	gpiod_set_value_cansleep(line->desc, value);
	return 0;
}

/* The lines' descriptors, for gpiolib's array calls. */
static int hsx_gpiolib_descs(struct hsx_gpio_line **lines, unsigned int n,
			     struct gpio_desc **descs)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (hsx_gpiolib_line_gone(lines[i]))
			return -ENODEV;
		descs[i] = lines[i]->desc;
	}
	return 0;
}

/* gpiolib groups the descriptors by chip and does one operation per chip. */
static int hsx_gpiolib_get_multi(struct hsx_gpio_line **lines, unsigned int n,
				 unsigned long *values)
{
	struct gpio_desc *descs[HSX_GPIO_MAX_PINS];

	return hsx_gpiolib_descs(lines, n, descs) ?:
	       gpiod_get_array_value_cansleep(n, descs, NULL, values);
}

static int hsx_gpiolib_set_multi(struct hsx_gpio_line **lines, unsigned int n,
				 unsigned long *values)
{
	struct gpio_desc *descs[HSX_GPIO_MAX_PINS];

	return hsx_gpiolib_descs(lines, n, descs) ?:
	       gpiod_set_array_value_cansleep(n, descs, NULL, values);
}

static int hsx_gpiolib_to_irq(struct hsx_gpio_line *line)
{
	return line->desc ? gpiod_to_irq(line->desc) : -ENODEV;
}

static bool hsx_gpiolib_active_low(struct hsx_gpio_line *line)
{
	return line->desc && gpiod_is_active_low(line->desc);
}

static const struct hsx_gpio_backend hsx_gpiolib_backend = {
	.name = "gpiolib",
	.info = hsx_gpiolib_info,
	.map = hsx_gpiolib_map,
	.unmap = hsx_gpiolib_unmap,
	.acquire = hsx_gpiolib_acquire,
	.configure = hsx_gpiolib_configure,
	.release = hsx_gpiolib_release,
	.get = hsx_gpiolib_get,
	.set = hsx_gpiolib_set,
	.get_multi = hsx_gpiolib_get_multi,
	.set_multi = hsx_gpiolib_set_multi,
	.to_irq = hsx_gpiolib_to_irq,
	.active_low = hsx_gpiolib_active_low,
};

/**
 * hsx_gpio_parse_map - parse one "PIN=CHIP:OFFSET" binding of gpio_map
 * @param: the text, at a binding
 * @next: set past the binding and its separating comma
 *
 * Return: 0 or -EINVAL.
 */
int hsx_gpio_parse_map(const char *param, unsigned int *pin, char *chip, size_t chip_len,
		       unsigned int *offset, const char **next)
{
	const char *eq = strchr(param, '='), *end = strchrnul(param, ','), *colon;
	char num[12];
	size_t len;

	if (!eq || eq > end)
		return -EINVAL;
	colon = strnchr(eq, end - eq, ':');
	/* The chip label may itself contain ':'; the offset follows the last one. */
	while (colon && strnchr(colon + 1, end - colon - 1, ':'))
		colon = strnchr(colon + 1, end - colon - 1, ':');
	if (!colon)
		return -EINVAL;

	len = eq - param;
	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, param, len);
	num[len] = '\0';
	if (kstrtouint(num, 10, pin) || *pin >= HSX_GPIO_MAX_PINS)
		return -EINVAL;

	len = colon - eq - 1;
	if (!len || len >= chip_len)
		return -EINVAL;
	memcpy(chip, eq + 1, len);
	chip[len] = '\0';

	len = end - colon - 1;
	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, colon + 1, len);
	num[len] = '\0';
	if (kstrtouint(num, 10, offset) || *offset > U16_MAX)
		return -EINVAL;

	*next = *end ? end + 1 : end;
	return 0;
}

/**
 * hsx_gpiolib_backend_init - bring up the gpiolib backend
 * @map_param: the gpio_map module parameter, "PIN=CHIP:OFFSET,..." or ""
 *
 * Return: the backend, or an ERR_PTR().
 */
const struct hsx_gpio_backend *hsx_gpiolib_backend_init(const char *map_param)
{
	const char *p = map_param ? map_param : "";
	char chip[HSX_GPIO_LABEL_MAX];
	unsigned int pin, offset;
	int ret;

	hsx_gpiolib_table = kzalloc(struct_size(hsx_gpiolib_table, table, HSX_GPIO_MAX_PINS + 1),
				    GFP_KERNEL);
	if (!hsx_gpiolib_table)
		return ERR_PTR(-ENOMEM);

	while (*p) {
		ret = hsx_gpio_parse_map(p, &pin, chip, sizeof(chip), &offset, &p);
		if (ret) {
			pr_err("gpio_map: cannot parse \"%s\": expected PIN=CHIP:OFFSET,...\n", p);
			goto err_free;
		}
		strscpy(hsx_gpiolib_pins[pin].chip, chip, sizeof(hsx_gpiolib_pins[pin].chip));
		hsx_gpiolib_pins[pin].offset = offset;
		hsx_gpiolib_pins[pin].mapped = true;
	}

	/*
	 * An automatic id ("hsx-gpio.N.auto") cannot clash with the device a
	 * firmware node named "hsx-gpio" gets.
	 */
	hsx_gpiolib_pdev = platform_device_register_simple(HSX_GPIOLIB_DEV, PLATFORM_DEVID_AUTO,
							   NULL, 0);
	if (IS_ERR(hsx_gpiolib_pdev)) {
		ret = PTR_ERR(hsx_gpiolib_pdev);
		goto err_free;
	}
	hsx_gpiolib_table->dev_id = dev_name(&hsx_gpiolib_pdev->dev);
	mutex_lock(&hsx_gpiolib_lock);
	hsx_gpiolib_publish_locked();
	mutex_unlock(&hsx_gpiolib_lock);
	hsx_gpiolib_test_init();
	return &hsx_gpiolib_backend;

err_free:
	memset(hsx_gpiolib_pins, 0, sizeof(hsx_gpiolib_pins));
	kfree(hsx_gpiolib_table);
	return ERR_PTR(ret);
}

void hsx_gpiolib_backend_exit(void)
{
	hsx_gpiolib_test_exit();
	mutex_lock(&hsx_gpiolib_lock);
	gpiod_remove_lookup_table(hsx_gpiolib_table);
	hsx_gpiolib_table_added = false;
	mutex_unlock(&hsx_gpiolib_lock);
	platform_device_unregister(hsx_gpiolib_pdev);
	kfree(hsx_gpiolib_table);
	memset(hsx_gpiolib_pins, 0, sizeof(hsx_gpiolib_pins));
}
