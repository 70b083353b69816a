/*
 * Call-heavy workload: recursion (calls and returns), and indirect calls through a table of function
 * pointers chosen by data, as interpreters and object-oriented code make them.
 */
#include <stdint.h>

typedef uint64_t (*op_fn)(uint64_t, uint64_t);

static __attribute__((noinline)) uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static __attribute__((noinline)) uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b << 1); }
static __attribute__((noinline)) uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
static __attribute__((noinline)) uint64_t op_rot(uint64_t a, uint64_t b) { return (a << (b & 31)) | (a >> (64 - (b & 31) - 1)); }

static op_fn const table[4] = { op_add, op_xor, op_mul, op_rot };

static __attribute__((noinline)) uint64_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static __attribute__((noinline)) uint64_t dispatch(uint64_t acc, uint32_t steps)
{
    for (uint32_t i = 0; i < steps; i++) acc = table[(acc >> 13) & 3](acc, i);
    return acc;
}

int main(void)
{
    volatile uint32_t depth = 27; /* not folded at compile time */
    uint64_t r = fib(depth);
    r += dispatch(r, 3000000);
    return r == 0 ? 1 : 0;
}
