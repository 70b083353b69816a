/* Branchy workload: Collatz sequence lengths, data-dependent branches in a tight loop. */
#include <stdint.h>

int main(void)
{
    uint64_t total = 0;
    for (uint64_t n = 1; n < 300000; n++) {
        uint64_t x = n;
        while (x != 1) {
            if (x & 1) x = 3 * x + 1;
            else x >>= 1;
            total++;
        }
    }
    return total == 0 ? 1 : 0;
}
