/* Kernel-wide definitions: exit codes and how the guest ends. */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>

/* Exit codes, written to the test finisher as (code << 16) | 0x3333 so that QEMU
 * (and RvEmu) exit with this status. 0 means success (SBI shutdown). The bench command
 * also returns the others to say why it stopped (it does not end the run). */
#define EXIT_OK 0
#define EXIT_INTERNAL 1     /* a kernel trap, or an internal error */
#define EXIT_FDT 2          /* FDT unusable or missing memory/timebase/PLIC */
#define EXIT_VIRTIO_INIT 4  /* bench: the queue cannot hold a request */
#define EXIT_TIMEOUT 5      /* bench: a request never completed (no interrupt) */
#define EXIT_IO_STATUS 6    /* bench: a request completed with an unexpected status or length */
#define EXIT_DATA 7         /* bench: an empty disk */
#define EXIT_NO_MEMORY 8    /* the frame allocator ran out */

/* Wait this long for one request before declaring a timeout. */
#define REQUEST_TIMEOUT_MS 2000

/* Ends the guest: SBI shutdown for EXIT_OK, otherwise the test finisher with `code`. */
void guest_exit(int code) __attribute__((noreturn));
/* Prints "guest: FAIL: <message>" and exits with `code`. */
void guest_fail(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

/* Timebase conversions (the FDT's timebase-frequency). */
uint64_t ticks_to_us(uint64_t ticks);
uint64_t ms_to_ticks(uint64_t ms);

#endif
