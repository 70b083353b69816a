/* ns16550a receive path: the interrupt handler drains the receive FIFO into a ring; the
 * shell takes bytes from the ring and sleeps in wfi while it is empty. */
#include "uart.h"

#include "hal.h"
#include "platform.h"
#include "riscv.h"
#include "trap.h"

/* 16550 registers (byte-spaced on virt) and bits. */
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LSR 5
#define IER_RDI 0x01
#define FCR_ENABLE 0x01
#define LSR_DR 0x01

#define RING 256

static volatile uint8_t *regs;
static uint8_t ring[RING];
static volatile unsigned head, tail; /* written by the interrupt handler / by the reader */

uint64_t uart_interrupts, uart_bytes;

static bool uart_interrupt(void *ctx)
{
    (void)ctx;
    bool got = false;
    uart_interrupts++;
    /* Reading RBR until LSR.DR clears empties the FIFO and so ends the interrupt. */
    while (regs[UART_LSR] & LSR_DR) {
        uint8_t c = regs[UART_RBR];
        got = true;
        uart_bytes++;
        if (head - tail < RING)
            ring[head++ % RING] = c; /* a full ring drops the byte: nobody is reading */
    }
    return got;
}

void uart_init(void)
{
    if (!plat.has_uart)
        return;
    regs = phys_to_virt(plat.uart_base);
    if (regs == NULL)
        return;
    regs[UART_FCR] = FCR_ENABLE; /* FIFO on, receive trigger at 1 byte */
    while (regs[UART_LSR] & LSR_DR)
        (void)regs[UART_RBR]; /* anything typed before boot */
    irq_register(plat.uart_irq, uart_interrupt, NULL);
    regs[UART_IER] = IER_RDI;
}

int uart_getc(void)
{
    if (tail == head)
        return -1;
    int c = ring[tail % RING];
    tail++;
    return c;
}

static bool has_input(void *arg)
{
    (void)arg;
    return tail != head;
}

bool uart_wait(void)
{
    if (regs == NULL)
        return false;
    return wait_for(has_input, NULL, 0);
}
