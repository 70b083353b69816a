/* Console input: the ns16550a's receive interrupt (16550 datasheet: IER bit 0, "received
 * data available") through the PLIC. Output still goes through SBI (console.c). */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#include <stdbool.h>
#include <stdint.h>

/* Enables the receive interrupt of the UART from the FDT (if any). */
void uart_init(void);
/* The next typed byte, or -1 if none is waiting. */
int uart_getc(void);
/* Sleeps in wfi until a byte arrives. False if there is no UART to wait for. */
bool uart_wait(void);
/* Receive interrupts taken, bytes received. */
extern uint64_t uart_interrupts, uart_bytes;

#endif
