/* SPDX-License-Identifier: MIT */
/*
 * The specification's "GPIO Interrupt Handler" example, exactly as the
 * specification gives it: each rising edge on pin 5 prints "Button pressed
 * on pin 5" on UART port 0. It runs until it is killed. The specification's
 * text calls hsx_timer_sleep_ms() without including hsx_timer.h and leaves
 * two callback parameters unused, so the Makefile builds it with
 * -include hsx_timer.h -Wno-unused-parameter.
 *
 * In `make demo`, pin 5 is bound to a gpio-sim line, port 0 to ttyS2, and
 * examples/gpio_interrupt.demo presses the simulated button and reads what
 * the program prints from the other end of the serial line, ttyS3. What
 * follows is the specification's text, byte for byte (so not clang-formatted).
 */
/* clang-format off */
#include <hsx_gpio.h>
#include <hsx_uart.h>

static void button_callback(void* event_data, uint32_t length, void* user_data) {
    hsx_gpio_event_t* event = (hsx_gpio_event_t*)event_data;
    
    if (event->edge == HSX_GPIO_EDGE_RISING) {
        hsx_uart_printf(HSX_UART_0, "Button pressed on pin %d\n", event->pin);
    }
}

int main(void) {
    /* Initialize UART for debug output */
    hsx_uart_init(HSX_UART_0);
    
    /* Configure GPIO pin 5 as input with pull-up */
    hsx_gpio_config(5, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_UP);
    
    /* Enable interrupt on rising edge */
    hsx_gpio_set_interrupt(5, HSX_GPIO_EDGE_RISING, true);
    
    /* Register callback */
    hsx_gpio_set_interrupt_callback(5, button_callback, NULL);
    
    hsx_uart_printf(HSX_UART_0, "Waiting for button press...\n");
    
    /* Event loop - callback handles events */
    while (1) {
        hsx_timer_sleep_ms(1000);
    }
    
    return 0;
}
