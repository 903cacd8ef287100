/* SPDX-License-Identifier: MIT */
/*
 * The specification's "CAN Bus Monitor" example, exactly as the
 * specification gives it: every classic frame bus 0 receives is printed on
 * UART port 0 as "CAN ID=0x123 DLC=4 Data=DE AD BE EF ". It runs until it is
 * killed. hsx_can_config() only checks the bus's bitrate (hsx.ko does not
 * change an interface); on a vcan, which has none, it fails and the example,
 * which does not look at its result, goes on.
 *
 * In `make demo`, bus 0 is bound to a vcan and examples/can_monitor.demo
 * sends frames on it with cangen. What follows is the specification's text,
 * byte for byte (so not clang-formatted).
 */
/* clang-format off */
#include <hsx_can.h>
#include <hsx_uart.h>

int main(void) {
    hsx_can_frame_t frame;
    
    /* Initialize peripherals */
    hsx_uart_init(HSX_UART_0);
    hsx_can_init();
    hsx_can_config(HSX_CAN_BITRATE_500K, 0);
    
    hsx_uart_printf(HSX_UART_0, "CAN bus monitor started\n");
    
    while (1) {
        /* Blocking receive with 1 second timeout */
        if (hsx_can_rx(&frame, 1000) == HSX_HAL_OK) {
            hsx_uart_printf(HSX_UART_0, "CAN ID=0x%03X DLC=%d Data=",
                           frame.can_id, frame.dlc);
            
            for (int i = 0; i < frame.dlc; i++) {
                hsx_uart_printf(HSX_UART_0, "%02X ", frame.data[i]);
            }
            
            hsx_uart_printf(HSX_UART_0, "\n");
        }
    }
    
    return 0;
}
