/* SPDX-License-Identifier: MIT */
/*
 * The specification's "GPIO Interrupt Handler" example. Two changes: its
 * debug output goes to stdout through printf, because the UART module does not
 * exist yet (hsx_uart_printf will replace it unchanged), and it ends after
 * three presses so that `make demo` can run it to completion.
 *
 * In `make demo`, pin 5 is bound to a gpio-sim line and the demo presses the
 * "button" by pulling the simulated line down and up again.
 */
#include <stdatomic.h>
#include <stdio.h>

#include <hsx_gpio.h>
#include <hsx_timer.h>

#define BUTTON_PIN 5
#define PRESSES 3

static atomic_int presses;

static void button_callback(void *event_data, uint32_t length, void *user_data)
{
    hsx_gpio_event_t *event = (hsx_gpio_event_t *)event_data;

    (void)length;
    (void)user_data;
    if (event->edge == HSX_GPIO_EDGE_RISING) {
        printf("Button pressed on pin %d\n", event->pin);
        fflush(stdout);
        atomic_fetch_add(&presses, 1);
    }
}

int main(void)
{
    int ret;

    /* Configure GPIO pin 5 as input with pull-up */
    ret = hsx_gpio_config(BUTTON_PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_UP);
    if (ret != HSX_HAL_OK) {
        fprintf(stderr, "gpio_interrupt: config pin %d: %s\n", BUTTON_PIN, hsx_hal_strerror(ret));
        return 1;
    }

    /* Enable interrupt on rising edge */
    ret = hsx_gpio_set_interrupt(BUTTON_PIN, HSX_GPIO_EDGE_RISING, true);
    if (ret == HSX_HAL_OK)
        /* Register callback */
        ret = hsx_gpio_set_interrupt_callback(BUTTON_PIN, button_callback, NULL);
    if (ret != HSX_HAL_OK) {
        fprintf(stderr, "gpio_interrupt: interrupt on pin %d: %s\n", BUTTON_PIN,
                hsx_hal_strerror(ret));
        return 1;
    }

    printf("Waiting for button press...\n");
    fflush(stdout);

    /* Event loop - callback handles events */
    for (int seconds = 0; atomic_load(&presses) < PRESSES && seconds < 60; seconds++)
        hsx_timer_sleep_ms(1000);

    printf("gpio_interrupt: %d presses seen\n", atomic_load(&presses));
    return atomic_load(&presses) >= PRESSES ? 0 : 1;
}
