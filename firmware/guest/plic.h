/* Platform-Level Interrupt Controller, S-mode context of the boot hart (RISC-V PLIC spec 1.0.0). */
#ifndef GUEST_PLIC_H
#define GUEST_PLIC_H

#include <stdint.h>

/* Disables every source in `context` and sets its threshold to 0. */
void plic_init(uint64_t base, uint32_t ndev, uint32_t context);
/* Gives `source` priority `priority` (> 0) and enables it for our context. */
void plic_enable(uint32_t source, uint32_t priority);
/* Claims the highest-priority pending source (0: none). */
uint32_t plic_claim(void);
void plic_complete(uint32_t source);

#endif
