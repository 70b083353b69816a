/* Supervisor trap handling: external interrupts through the PLIC, the timer, and
 * fatal reporting of exceptions. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Registers saved by trap_entry (start.S); the layout must match it. */
struct trap_frame {
    uint64_t x[32]; /* x[0] unused, x[2] = sp before the trap */
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
};

/* Returns true if the interrupt had a cause (work was found), false if it was empty. */
typedef bool (*irq_handler)(void *ctx);

/* Counters, for the final report. */
struct trap_stats {
    uint64_t external;  /* claimed PLIC sources */
    uint64_t spurious;  /* external interrupts with nothing to claim, or with no handler */
    uint64_t timer;
};

extern struct trap_stats trap_stats;

/* Enables supervisor external interrupts in sie (the timer's STIE only while wait_for
 * has a timeout armed; sstatus.SIE stays 0 except inside wait_for: see there). */
void trap_init(void);
/* Routes PLIC `source` to `fn(ctx)` and enables it at priority 1. */
void irq_register(uint32_t source, irq_handler fn, void *ctx);
/* Sleeps with wfi until done(arg) holds or `timeout_ticks` pass (0: no timeout).
 * Returns done(arg). */
bool wait_for(bool (*done)(void *arg), void *arg, uint64_t timeout_ticks);

void trap_handler(struct trap_frame *f);

#endif
