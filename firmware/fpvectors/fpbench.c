/*
 * FP workload for `rvemu bench`: double-precision matrix multiply (fmadd.d), a single-precision
 * Mandelbrot loop (fmul.s/fadd.s/flt.s), square roots and divisions, and int <-> float conversions.
 * Bare metal on the virt board (built with start.S); ends through the SiFive test finisher.
 * It checks its own checksum, so it doubles as an end-to-end FP test: the expected value was
 * recorded on qemu-system-riscv64 and only depends on IEEE 754 arithmetic.
 */
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 80
#endif
#define N 24

#define EXPECTED_CHECKSUM 0x8dc6d51a8773b2a1ull

static double a[N][N], b[N][N], c[N][N];

static uint64_t bits(double d)
{
    union { double d; uint64_t u; } v = { .d = d };
    return v.u;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3ull;
    return h ^ (h >> 29);
}

static void matmul(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}

static int mandel(float cr, float ci)
{
    float zr = 0, zi = 0;
    int n = 0;
    while (n < 64 && zr * zr + zi * zi < 4.0f) {
        float t = zr * zr - zi * zi + cr;
        zi = 2.0f * zr * zi + ci;
        zr = t;
        n++;
    }
    return n;
}

int main(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)(i * N + j) / 7.0 - 3.25;
            b[i][j] = 1.0 / (double)(i + j + 1);
        }
    for (int r = 0; r < ROUNDS; r++) {
        matmul();
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) a[i][j] = c[i][j] / (1.0 + __builtin_fabs(c[i][j])) + 0.01 * __builtin_sqrt(__builtin_fabs(c[i][j]) + 1.0);
        h = mix(h, bits(c[r % N][(r * 7) % N]));

        int count = 0;
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 48; x++)
                count += mandel(-2.0f + (float)x * (3.0f / 48.0f), -1.2f + (float)y * (2.4f / 32.0f) + (float)r * 1e-3f);
        h = mix(h, (uint64_t)count);

        int64_t acc = 0;
        for (int i = 1; i < 200; i++) {
            double q = (double)(i * 1000 + r) / (double)(i + 3);
            acc += (int64_t)q + (int32_t)(float)__builtin_sqrt(q);
        }
        h = mix(h, (uint64_t)acc);
    }
#ifdef PRINT_CHECKSUM /* to record EXPECTED_CHECKSUM: build with -DPRINT_CHECKSUM, run on QEMU */
    volatile unsigned char *uart = (volatile unsigned char *)0x10000000;
    for (int i = 60; i >= 0; i -= 4) uart[0] = (unsigned char)"0123456789abcdef"[(h >> i) & 15];
    uart[0] = '\n';
#endif
    return h == EXPECTED_CHECKSUM ? 0 : 1;
}
