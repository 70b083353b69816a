// march: rv64imac_zicsr
/*
 * The trigger module (Sdtrig, RISC-V Debug Specification 1.0 ch. 5) as guest software uses it:
 * tselect is WARL over the triggers that exist (writing a missing index is ignored), tinfo names types 2
 * (mcontrol) and 6 (mcontrol6), tdata1 keeps type 2 in its top four bits. An mcontrol trigger with execute/load/store
 * and a mode bit set raises a breakpoint exception (cause 3) before the matching instruction runs or the
 * matching access happens, with xepc = that instruction and xtval = the matching address or 0. A load
 * trigger does not fire on a store, a store trigger fires on an AMO. A U-mode execute trigger fires in
 * U and traps to M.
 */
#include "test.h"

#define MC_TYPE2 (2 << 60)   /* tdata1.type = 2 (mcontrol): a guest writes the type it wants */
#define MC_TYPE6 (6 << 60)   /* mcontrol6: the same m/s/u/execute/store/load bits */
#define MC_M (1 << 6)
#define MC_U (1 << 3)
#define MC_EXECUTE (1 << 2)
#define MC_STORE (1 << 1)
#define MC_LOAD 1

/* Disarm trigger 0: type 2 with no mode bits. (Writing 0 disarms it on RvEmu too, but QEMU 7.2 keeps a
 * load or store trigger's watchpoint after tdata1 = 0, so the programs disarm the way both understand.) */
#define DISARM                                      \
        li t0, MC_TYPE2;                            \
        csrw tdata1, t0

/* Expect a breakpoint from `code` at `epc_label`; mtval is the matching address or 0 (priv 3.1.16 allows
 * both: QEMU 7.2 writes 0, RvEmu the address). */
#define BREAK_CASE(num, epc_label, tval, code...)   \
        li TESTNUM, num;                            \
        la s8, 8887f;                               \
        li s9, -1;                                  \
        code;                                       \
8887:   li s8, 0;                                   \
        CHECK(num, s9, CAUSE_BREAKPOINT);           \
        CHECK_ADDR(num, s10, epc_label);            \
        beqz s11, 8886f;                            \
        bne s11, tval, test_fail;                   \
8886:

        TEST_BEGIN
        PMP_ALLOW_ALL
        TEST_CASE(1, a0, 1, li t0, 1; csrw tselect, t0; csrr a0, tselect)
        TEST_CASE(2, a0, 1, li t0, 7; csrw tselect, t0; csrr a0, tselect)     /* no trigger 7: ignored */
        TEST_CASE(3, a0, 0x44, csrr a0, tinfo; andi a0, a0, 0x44)              /* types 2 and 6 */
        TEST_CASE(4, a0, 2, csrw tselect, zero; csrr a0, tdata1; srli a0, a0, 60)

        /* Execute trigger in M-mode (MIE set). */
        csrsi mstatus, MSTATUS_MIE
        la t0, exec_here
        csrw tdata2, t0
        li t0, MC_TYPE2 | MC_M | MC_EXECUTE
        csrw tdata1, t0
        la a1, exec_here
        BREAK_CASE(5, exec_here, a1, nop; exec_here: addi a0, zero, 1)
        /* (mcontrol.hit is optional, 5.5.2: RvEmu sets it, QEMU 7.2 does not implement it; not checked.) */
        DISARM

        /* The same with an mcontrol6 trigger. */
        la t0, exec6_here
        csrw tdata2, t0
        li t0, MC_TYPE6 | MC_M | MC_EXECUTE
        csrw tdata1, t0
        TEST_CASE(20, a0, 6, csrr a0, tdata1; srli a0, a0, 60)
        la a1, exec6_here
        BREAK_CASE(21, exec6_here, a1, nop; exec6_here: addi a0, zero, 1)
        DISARM

        /* Load trigger: fires on a load of the address, not on a store to it. */
        la a1, watched
        csrw tdata2, a1
        li t0, MC_TYPE2 | MC_M | MC_LOAD
        csrw tdata1, t0
        BREAK_CASE(7, load_here, a1, load_here: ld a0, 0(a1))
        TEST_CASE(8, a0, 0x55, li a0, 0x55; sd a0, 0(a1); li a0, 0x55)     /* a store: no breakpoint */
        DISARM
        TEST_CASE(19, a0, 0x55, ld a0, 0(a1))                                  /* the store happened */

        /* Store trigger: fires on a store and on an AMO, before memory changes. */
        li t0, MC_TYPE2 | MC_M | MC_STORE
        csrw tdata1, t0
        li a2, 0x77
        BREAK_CASE(9, store_here, a1, store_here: sd a2, 0(a1))
        li a3, 1
        BREAK_CASE(10, amo_here, a1, amo_here: amoadd.d a0, a3, (a1))
        DISARM
        TEST_CASE(11, a0, 0x55, ld a0, 0(a1))                                   /* neither store happened */

        /* (In M-mode with mstatus.MIE clear RvEmu's triggers do not fire, the debug spec's guard against
         * re-entering the handler (5.4) for harts without tcontrol; QEMU 7.2 fires them. Not checked here:
         * RvEmu.Tests TriggerTests covers it.) */
        csrci mstatus, MSTATUS_MIE

        /* U-mode execute trigger: fires in U, the breakpoint is taken in M. */
        la t0, u_here
        csrw tdata2, t0
        li t0, MC_TYPE2 | MC_U | MC_EXECUTE
        csrw tdata1, t0
        li TESTNUM, 13
        la s8, 2f + 1
        li s9, -1
        ENTER_MODE(0, u_code)
u_code: nop
u_here: nop
        j test_fail
2:      li s8, 0
        CHECK(13, s9, CAUSE_BREAKPOINT)
        CHECK_ADDR(13, s10, u_here)
        DISARM
        TEST_END

        .data
        .balign 8
watched: .dword 0
