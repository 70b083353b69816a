/* Integer workload: a hash mixing adds, xors, shifts, multiplies and divides over registers. */
#include <stdint.h>

int main(void)
{
    uint64_t h = 0x9e3779b97f4a7c15ull, acc = 1;
    for (uint32_t i = 0; i < 20000000; i++) {
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        h += i;
        acc += (h >> 7) / ((i & 15) + 1);
        acc ^= acc << 3;
    }
    return (h ^ acc) == 0 ? 1 : 0; /* keep the result live; practically never 0 */
}
