// march: rv64imac_zicsr
/*
 * An AMO that writes a device takes effect at that instruction, as a store does: amoswap.w of 0x5555
 * to the SiFive test finisher powers the machine off with exit code 0, and the hart runs nothing
 * after it. What would run after it prints "ran on" on the UART and then fails with exit code 1
 * (RvEmu.Tests checks that nothing is printed; RvEmu once ran on to the next plain MMIO store).
 */
#include "test.h"

#define UART 0x10000000

        TEST_BEGIN
        li t0, FINISHER_BASE
        li t1, FINISHER_PASS
        amoswap.w zero, t1, (t0)
        li t0, UART
        li t1, 'r'
        sb t1, 0(t0)
        li t1, 'a'
        sb t1, 0(t0)
        li t1, 'n'
        sb t1, 0(t0)
        li TESTNUM, 1
        j test_fail
        TEST_END
