/*
 * A bare-metal M-mode program for the GDB stub tests (RvEmu.Tests/Debug/GdbStubTests.cs), built with
 * debug info: a function to break in by name, a call chain for `bt`, a global to print, change and
 * watch, and an exit code that depends on what the debugger did to it.
 */
#include <stdint.h>

#define UART ((volatile uint8_t *)0x10000000)
#define FINISHER ((volatile uint32_t *)0x100000)

volatile long counter;   /* watched: every step() stores to it */
long answer = 42;        /* the debugger may change it before it is checked */

static void put(const char *s)
{
    while (*s) *UART = (uint8_t)*s++;
}

__attribute__((noinline)) long step(long i)
{
    counter = counter + i;
    return counter;
}

__attribute__((noinline)) long work(int rounds)
{
    long sum = 0;
    for (int i = 1; i <= rounds; i++) sum += step(i);
    return sum;
}

int main(void)
{
    long sum = work(4);            /* counter: 1, 3, 6, 10; sum 20 */
    put(answer == 42 ? "answer 42\n" : "answer changed\n");
    /* Exit code 0 when nothing was changed, else the answer the debugger set (mod 256). */
    return sum == 20 && answer == 42 ? 0 : (int)(answer & 0xff);
}

void exit_with(int code)
{
    *FINISHER = code == 0 ? 0x5555 : ((uint32_t)code << 16) | 0x3333;
    for (;;) { }
}
