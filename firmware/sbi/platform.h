/* Platform constants for QEMU's `virt` board (shared/design/virt-machine.md). Usable from assembly. */
#ifndef RVEMU_PLATFORM_H
#define RVEMU_PLATFORM_H

#define FW_BASE          0x80000000
#define FW_SIZE          0x80000               /* 512 KiB, NAPOT-protected by pmp0 */
#define MAX_HARTS        32
#define STACK_SHIFT      12
#define STACK_SIZE       (1 << STACK_SHIFT)    /* M-mode stack per hart */
#define CLINT_BASE       0x02000000UL
#define UART_DEFAULT     0x10000000UL
#define FINISHER_BASE    0x00100000            /* SiFive test device ("sifive,test0") */
#define FINISHER_PASS    0x5555
#define FINISHER_RESET   0x7777
#define FINISHER_FAIL(code) (((code) << 16) | 0x3333)
#define DEFAULT_NEXT_ADDR 0x80200000UL

/* Finisher exit codes this firmware uses. */
#define EXIT_SYSTEM_FAILURE 1   /* SRST shutdown with reason "system failure" */
#define EXIT_FATAL_TRAP     2   /* unexpected trap taken in M-mode */
#define EXIT_NO_NEXT_STAGE  3   /* nothing to boot (no -kernel) */

#endif
