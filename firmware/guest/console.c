/* Line-buffered console: one SBI call per line when the firmware has DBCN,
 * one per byte with the legacy putchar. */
#include "console.h"

#include <stdbool.h>
#include <stdint.h>

#include "sbi.h"

static char line[256];
static size_t line_len;

void console_flush(void)
{
    if (line_len > 0) {
        sbi_console_write(line, line_len);
        line_len = 0;
    }
}

static void put(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line))
        console_flush();
}

void kputs(const char *s)
{
    while (*s)
        put(*s++);
}

struct spec {
    bool left;
    bool zero;
    int width;
};

static void pad(int n, char c)
{
    while (n-- > 0)
        put(c);
}

static void put_string(const char *s, struct spec sp)
{
    int len = 0;
    while (s[len])
        len++;
    if (!sp.left)
        pad(sp.width - len, ' ');
    for (int i = 0; i < len; i++)
        put(s[i]);
    if (sp.left)
        pad(sp.width - len, ' ');
}

static void put_number(uint64_t v, unsigned base, bool upper, bool negative, struct spec sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int n = 0;
    do {
        buf[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (negative ? 1 : 0);
    if (sp.left) {
        if (negative)
            put('-');
        while (n)
            put(buf[--n]);
        pad(sp.width - len, ' ');
    } else if (sp.zero) {
        if (negative)
            put('-');
        pad(sp.width - len, '0');
        while (n)
            put(buf[--n]);
    } else {
        pad(sp.width - len, ' ');
        if (negative)
            put('-');
        while (n)
            put(buf[--n]);
    }
}

void kvprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(*fmt);
            continue;
        }
        fmt++;
        struct spec sp = { false, false, 0 };
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
            bool neg = v < 0;
            put_number(neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, false, neg, sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            put_number(v, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, sp);
            break;
        }
        case 'p':
            put('0');
            put('x');
            put_number((uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false, sp);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            put_string(s ? s : "(null)", sp);
            break;
        }
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case '%':
            put('%');
            break;
        case '\0':
            return;
        default:
            put('%');
            put(*fmt);
            break;
        }
    }
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}
