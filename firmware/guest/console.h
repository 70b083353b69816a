/* Console output over SBI with a small printf. */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %d %i %u %x %X %p %s %c %%, flags '-' and '0', a width (or '*'),
 * and the length modifiers l, ll, z. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void kputs(const char *s);
/* Writes out whatever is buffered (the console is line-buffered). */
void console_flush(void);

#endif
