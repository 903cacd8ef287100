/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HAL module 0x15 (GPIO) and the interface of its backends. The module
 * (gpio.c) owns pins, users, events and sysfs; a backend owns the binding of
 * pins to hardware lines and the line operations. gpio_gpiolib.c binds to
 * gpiolib through its consumer API; a board with another kind of GPIO adds a
 * backend, never edits the module.
 */
#ifndef _HSX_GPIO_H
#define _HSX_GPIO_H

#include <linux/fwnode.h>
#include <linux/interrupt.h>
#include <linux/types.h>

#include "hsx_uapi.h"

struct hsx_gpio_line;

/**
 * struct hsx_gpio_backend - what the GPIO module needs from a backend
 * @name: shown in /sys/hal/gpio/backend
 * @info: describe pin's binding; info->pin is set, the rest is filled
 * @map: bind a pin to a line of a chip (admin); -EOPNOTSUPP when the
 *	bindings are fixed (firmware node, see gpio_fw.c)
 * @unmap: undo @map
 * @acquire: request the line of a pin, configured as @cfg; -ENXIO unmapped
 * @configure: change the configuration of an acquired line
 * @release: give the line back
 * @get: logical value; may sleep
 * @set: set the logical value of an output; may sleep
 * @get_multi: sample @n lines, as few chip operations as possible
 * @set_multi: set @n output lines likewise
 * @to_irq: the line's interrupt
 * @active_low: the line's polarity as requested from the chip, which is the
 *	firmware's flag combined with HSX_GPIO_F_ACTIVE_LOW: a logical edge is
 *	a physical one of the other direction when true
 */
struct hsx_gpio_backend {
	const char *name;
	int (*info)(struct hsx_gpio_info *info);
	int (*map)(unsigned int pin, const char *chip, unsigned int offset);
	int (*unmap)(unsigned int pin);
	int (*acquire)(unsigned int pin, const struct hsx_gpio_config *cfg,
		       struct hsx_gpio_line **line);
	int (*configure)(struct hsx_gpio_line *line, const struct hsx_gpio_config *cfg);
	void (*release)(struct hsx_gpio_line *line);
	int (*get)(struct hsx_gpio_line *line);
	int (*set)(struct hsx_gpio_line *line, int value);
	int (*get_multi)(struct hsx_gpio_line **lines, unsigned int n, unsigned long *values);
	int (*set_multi)(struct hsx_gpio_line **lines, unsigned int n, unsigned long *values);
	int (*to_irq)(struct hsx_gpio_line *line);
	bool (*active_low)(struct hsx_gpio_line *line);
};

struct hsx_module;

/* HAL module 0x15: GPIO pins bound to gpiolib lines. */
extern const struct hsx_module hsx_gpio_module;

int hsx_gpio_rebind(int (*change)(void *data), void *data, bool force);

/* The gpiolib backend (gpio_gpiolib.c). */
const struct hsx_gpio_backend *hsx_gpiolib_backend_init(const char *map_param);
void hsx_gpiolib_backend_exit(void);

/**
 * struct hsx_gpio_fw_pin - one entry of a firmware node's hsx-gpios list
 * @ref: the reference; @ref.fwnode is NULL for a hole (an unbound pin)
 * @name: the pin's name from hsx-gpio-names, or empty
 */
struct hsx_gpio_fw_pin {
	struct fwnode_reference_args ref;
	char name[HSX_GPIO_LABEL_MAX];
};

/**
 * struct hsx_gpio_fw_map - the pins a firmware node binds
 * @pins: indexed by HSX pin
 * @count: entries up to the last bound pin
 */
struct hsx_gpio_fw_map {
	struct hsx_gpio_fw_pin pins[HSX_GPIO_MAX_PINS];
	unsigned int count;
};

/* Firmware bindings (gpio_fw.c), and their hand-over to the gpiolib backend. */
int hsx_gpio_fw_register(void);
void hsx_gpio_fw_unregister(void);
void hsx_gpio_fw_describe(const struct fwnode_reference_args *ref, char *chip, size_t chip_len,
			  u32 *offset);
int hsx_gpiolib_set_fw(struct device *dev, const struct hsx_gpio_fw_map *map);

/* Exposed for KUnit. */
int hsx_gpio_fw_parse(const struct fwnode_handle *fwnode, struct hsx_gpio_fw_map *map);
void hsx_gpio_fw_put(struct hsx_gpio_fw_map *map);
int hsx_gpio_validate_config(const struct hsx_gpio_config *cfg);
int hsx_gpio_parse_map(const char *param, unsigned int *pin, char *chip, size_t chip_len,
		       unsigned int *offset, const char **next);
unsigned long hsx_gpio_irq_trigger(u32 edge, bool active_low);

/* Edges the hard IRQ handler holds for its thread (a power of two: see hsx_gpio_hardirq()). */
#define HSX_GPIO_RING 64

struct hsx_gpio_pin;
struct hsx_mbox;

#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
/* KUnit only: a pin's event path without hardware. */
extern void (*hsx_gpio_emit_window)(void);
struct hsx_gpio_pin *hsx_gpio_test_pin_new(struct hsx_mbox *mbox,
					   const struct hsx_gpio_backend *be);
void hsx_gpio_test_pin_free(struct hsx_gpio_pin *p);
void hsx_gpio_test_lose_edges(struct hsx_gpio_pin *p, u64 n);
irqreturn_t hsx_gpio_test_hardirq(struct hsx_gpio_pin *p);
void hsx_gpio_test_set_debounce(struct hsx_gpio_pin *p, u32 us);
void hsx_gpio_test_settle(struct hsx_gpio_pin *p);
#endif

#endif /* _HSX_GPIO_H */
