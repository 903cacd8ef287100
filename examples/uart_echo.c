/* SPDX-License-Identifier: MIT */
/*
 * The specification's "Simple UART Echo" example, exactly as the
 * specification gives it: everything that arrives on port 0 is sent back,
 * prefixed "Echo: ". It runs until it is killed.
 *
 * In `make demo`, port 0 is bound to ttyS2 and examples/uart_echo.demo plays
 * the other end of the serial line on ttyS3, through plain termios. What
 * follows is the specification's text, byte for byte (so not clang-formatted).
 */
/* clang-format off */
#include <hsx_uart.h>

int main(void) {
    char buffer[128];
    
    /* Initialize UART 0 */
    hsx_uart_init(HSX_UART_0);
    
    hsx_uart_printf(HSX_UART_0, "UART echo started\n");
    
    while (1) {
        /* Blocking read from UART */
        int len = hsx_uart_read(HSX_UART_0, buffer, sizeof(buffer) - 1, 
                                HSX_HAL_TIMEOUT_INF);
        
        if (len > 0) {
            buffer[len] = '\0';
            hsx_uart_printf(HSX_UART_0, "Echo: %s\n", buffer);
        }
    }
    
    return 0;
}
