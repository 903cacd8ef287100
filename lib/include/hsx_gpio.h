/* SPDX-License-Identifier: MIT */
#ifndef HSX_GPIO_H
#define HSX_GPIO_H

#include "hsx_hal_types.h"

/* GPIO pin modes */
typedef enum {
    HSX_GPIO_MODE_INPUT  = 0,
    HSX_GPIO_MODE_OUTPUT = 1,
    HSX_GPIO_MODE_ANALOG = 2,
} hsx_gpio_mode_t;

/* GPIO pull resistors */
typedef enum {
    HSX_GPIO_PULL_NONE = 0,
    HSX_GPIO_PULL_UP   = 1,
    HSX_GPIO_PULL_DOWN = 2,
} hsx_gpio_pull_t;

/* GPIO interrupt edges */
typedef enum {
    HSX_GPIO_EDGE_NONE    = 0,
    HSX_GPIO_EDGE_RISING  = 1,
    HSX_GPIO_EDGE_FALLING = 2,
    HSX_GPIO_EDGE_BOTH    = 3,
} hsx_gpio_edge_t;

/* GPIO event data */
typedef struct {
    uint8_t pin;
    uint8_t edge;
    uint8_t value;
    uint32_t timestamp;
} hsx_gpio_event_t;

/**
 * Configure GPIO pin mode and pull resistor.
 * 
 * @param pin GPIO pin number
 * @param mode Pin mode (input/output/analog)
 * @param pull Pull resistor configuration
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_config(uint8_t pin, hsx_gpio_mode_t mode, hsx_gpio_pull_t pull);

/**
 * Read GPIO pin value (synchronous, uses syscall).
 * 
 * @param pin GPIO pin number
 * @return Pin value (0 or 1), or negative error code
 */
int hsx_gpio_read(uint8_t pin);

/**
 * Write GPIO pin value (synchronous, uses syscall).
 * 
 * @param pin GPIO pin number
 * @param value Value to write (0 or 1)
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_write(uint8_t pin, uint8_t value);

/**
 * Toggle GPIO pin value.
 * 
 * @param pin GPIO pin number
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_toggle(uint8_t pin);

/**
 * Configure GPIO interrupt (edge detection).
 * 
 * @param pin GPIO pin number
 * @param edge Edge type (rising/falling/both)
 * @param enable Enable (true) or disable (false) interrupt
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_set_interrupt(uint8_t pin, hsx_gpio_edge_t edge, bool enable);

/**
 * Register callback for GPIO interrupt events (mailbox-based).
 * Callback is invoked when configured edge is detected.
 * 
 * @param pin GPIO pin number
 * @param callback Callback function
 * @param user_data User data passed to callback
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_set_interrupt_callback(uint8_t pin, hsx_hal_event_callback_t callback, void* user_data);

/**
 * Wait for GPIO interrupt (blocking, uses mailbox).
 * Blocks until interrupt occurs or timeout.
 * 
 * @param pin GPIO pin number
 * @param timeout_ms Timeout in milliseconds
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_gpio_wait_interrupt(uint8_t pin, uint32_t timeout_ms);

/* ---- Additions (not in the spec) ---------------------------------------- */

#include <stddef.h>

/* Pins are 0..HSX_GPIO_MAX_PINS-1 (see /sys/hal/gpio/<pin>/mapping). */
#define HSX_GPIO_MAX_PINS 64

/* Output drive. */
typedef enum {
    HSX_GPIO_DRIVE_PUSH_PULL = 0,
    HSX_GPIO_DRIVE_OPEN_DRAIN = 1,  /* drives low only; high is high-impedance */
    HSX_GPIO_DRIVE_OPEN_SOURCE = 2, /* drives high only */
} hsx_gpio_drive_t;

/** Everything a pin can be configured with; hsx_gpio_config() sets only mode and pull. */
typedef struct {
    hsx_gpio_mode_t mode;
    hsx_gpio_pull_t pull;
    hsx_gpio_drive_t drive;    /* outputs only */
    bool active_low;           /* values read and written are inverted */
    uint8_t initial_value;     /* outputs: the logical value set when configured */
    uint32_t debounce_us;      /* inputs: 0, or up to 1000000; hardware if the chip has it */
    uint32_t reserved[3];      /* zero: initialise with {0} or designated initializers */
} hsx_gpio_settings_t;

/* Later features take reserved words (zero: as before), so the size never changes. */
#define HSX_GPIO_SETTINGS_SIZE 32
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(hsx_gpio_settings_t) == HSX_GPIO_SETTINGS_SIZE,
               "hsx_gpio_settings_t has the size it promises");
#endif

/**
 * Configure a pin with the full set of line features.
 *
 * @return HSX_HAL_OK, HSX_HAL_INVALID_PARAM (bad value or combination),
 *         HSX_HAL_UNSUPPORTED (analog), HSX_HAL_NO_DEVICE (pin not mapped),
 *         HSX_HAL_BUSY (line used by another consumer)
 */
int hsx_gpio_configure(uint8_t pin, const hsx_gpio_settings_t *settings);

/**
 * Read up to 64 pins at once: bit n of mask selects pin n. Pins on one chip
 * are sampled in one operation.
 *
 * @param values Receives bit n = logical value of pin n (unselected bits are 0)
 */
int hsx_gpio_read_multi(uint64_t mask, uint64_t *values);

/** Write up to 64 output pins at once; pins on one chip change together. */
int hsx_gpio_write_multi(uint64_t mask, uint64_t values);

/** Where a pin is bound. */
typedef struct {
    uint8_t pin;
    bool mapped;
    char chip[32];     /* gpiochip label */
    uint32_t offset;   /* line on that chip */
    char name[32];     /* the line's name, "" if none */
} hsx_gpio_info_t;

int hsx_gpio_get_info(uint8_t pin, hsx_gpio_info_t *info);

/**
 * Find the pin bound to a line by the line's name.
 *
 * @return The pin (0..63), HSX_HAL_NO_DEVICE if no pin has that line name
 */
int hsx_gpio_find(const char *line_name);

/** An edge event with everything the kernel reports. */
typedef struct {
    uint8_t pin;
    uint8_t edge;           /* HSX_GPIO_EDGE_RISING or _FALLING */
    uint8_t value;          /* logical value after the edge */
    uint64_t timestamp_ns;  /* CLOCK_MONOTONIC, taken in the interrupt */
    uint64_t line_seq;      /* edges seen on this pin since its interrupt was enabled */
    uint64_t seq;           /* mailbox sequence number */
    uint32_t dropped;       /* events lost for this process since the previous one */
    uint64_t dropped_total; /* events lost for this process in all */
} hsx_gpio_event_ex_t;

/**
 * Wait for the next edge and return all it carries.
 *
 * @param timeout_ms 0 polls; HSX_HAL_TIMEOUT_INF waits forever
 * @return HSX_HAL_OK, HSX_HAL_TIMEOUT, HSX_HAL_BUSY (a callback is set), ...
 */
int hsx_gpio_wait_event(uint8_t pin, hsx_gpio_event_ex_t *event, uint32_t timeout_ms);

#endif /* HSX_GPIO_H */
