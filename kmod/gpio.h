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

#include <linux/interrupt.h>
#include <linux/types.h>

#include "hsx_uapi.h"

struct hsx_gpio_line;

/**
 * struct hsx_gpio_backend - what the GPIO module needs from a backend
 * @name: shown in /sys/hal/gpio/backend
 * @info: describe pin's binding; info->pin is set, the rest is filled
 * @map: bind a pin to a line of a chip (admin); -EOPNOTSUPP when the
 *	bindings are fixed (device tree)
 * @unmap: undo @map
 * @acquire: request the line of a pin, configured as @cfg; -ENXIO unmapped
 * @configure: change the configuration of an acquired line
 * @release: give the line back
 * @get: logical value; may sleep
 * @set: set the logical value of an output; may sleep
 * @get_multi: sample @n lines, as few chip operations as possible
 * @set_multi: set @n output lines likewise
 * @to_irq: the line's interrupt
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
};

int hsx_gpio_init(void);
void hsx_gpio_exit(void);

/* The gpiolib backend (gpio_gpiolib.c). */
const struct hsx_gpio_backend *hsx_gpiolib_backend_init(const char *map_param);
void hsx_gpiolib_backend_exit(void);

/* Exposed for KUnit. */
int hsx_gpio_validate_config(const struct hsx_gpio_config *cfg);
int hsx_gpio_parse_map(const char *param, unsigned int *pin, char *chip, size_t chip_len,
		       unsigned int *offset, const char **next);
unsigned long hsx_gpio_irq_trigger(u32 edge, bool active_low);

#endif /* _HSX_GPIO_H */
