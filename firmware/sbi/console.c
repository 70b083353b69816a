/*
 * Console on an NS16550A UART (16550 datasheet: RBR/THR at 0, IER 1, FCR/IIR 2, LCR 3,
 * MCR 4, LSR 5; LSR.DR = bit 0, LSR.THRE = bit 5). Registers are 1 << reg_shift bytes
 * apart and reg_io_width bytes wide, as the FDT's "reg-shift"/"reg-io-width" say.
 */
#include "sbi.h"

#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20

static unsigned long uart_base = UART_DEFAULT;
static unsigned int uart_shift, uart_width = 1;
static volatile unsigned int uart_lock_word;

static unsigned int uart_read(int reg)
{
    unsigned long a = uart_base + ((unsigned long)reg << uart_shift);
    return uart_width == 4 ? *(volatile unsigned int *)a : *(volatile unsigned char *)a;
}

static void uart_write(int reg, unsigned int v)
{
    unsigned long a = uart_base + ((unsigned long)reg << uart_shift);
    if (uart_width == 4)
        *(volatile unsigned int *)a = v;
    else
        *(volatile unsigned char *)a = (unsigned char)v;
}

void console_init(unsigned long base, unsigned int reg_shift, unsigned int io_width)
{
    uart_base = base;
    uart_shift = reg_shift;
    uart_width = io_width == 4 ? 4 : 1;
    uart_write(UART_IER, 0);            /* polled: no UART interrupts */
    uart_write(UART_LCR, 0x80);         /* DLAB = 1: divisor latch */
    uart_write(UART_DLL, 2);            /* 3.6864 MHz / (16 * 2) = 115200 baud */
    uart_write(UART_DLM, 0);
    uart_write(UART_LCR, 0x03);         /* 8 data bits, no parity, 1 stop bit; DLAB = 0 */
    uart_write(UART_FCR, 0x07);         /* enable FIFOs, clear both */
    uart_write(UART_MCR, 0x03);         /* DTR, RTS */
}

void console_putc(char c)
{
    while (!(uart_read(UART_LSR) & LSR_THRE))
        ;
    uart_write(UART_THR, (unsigned char)c);
}

int console_getc(void)
{
    if (uart_read(UART_LSR) & LSR_DR)
        return (int)(uart_read(UART_RBR) & 0xff);
    return -1;
}

/* Harts share the UART: whole messages / SBI writes are serialised by this lock. */
void console_lock(void)
{
    while (__atomic_exchange_n(&uart_lock_word, 1, __ATOMIC_ACQUIRE))
        while (uart_lock_word)
            ;
}

void console_unlock(void)
{
    __atomic_store_n(&uart_lock_word, 0, __ATOMIC_RELEASE);
}

void print(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            console_putc('\r');
        console_putc(*s);
    }
}

void print_hex(unsigned long v)
{
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    print(&buf[i]);
}

void print_dec(unsigned long v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    print(&buf[i]);
}
