/* Memory workload: copies, strided read-modify-writes and a pointer chase over 1 MiB. */
#include <stdint.h>

#define WORDS (1u << 17) /* 128 Ki words = 1 MiB */
static uint64_t a[WORDS], b[WORDS];

int main(void)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < WORDS; i++) a[i] = (i * 2654435761u) & (WORDS - 1);
    for (int round = 0; round < 60; round++) {
        for (uint32_t i = 0; i < WORDS; i++) b[i] = a[i] + round;
        for (uint32_t i = 0; i < WORDS; i += 8) a[i] ^= b[(i * 7) & (WORDS - 1)];
        uint64_t p = 0;
        for (uint32_t i = 0; i < WORDS / 2; i++) { p = a[p] & (WORDS - 1); sum += p; }
        for (uint32_t i = 0; i < WORDS; i++) sum += ((volatile uint8_t *)b)[i * 3];
    }
    return sum == 0 ? 1 : 0;
}
