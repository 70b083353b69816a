/*
 * Count the harts a device tree describes: the /cpus/cpu@N nodes (devicetree spec 5.4, structure
 * block tokens). For bare-metal multi-hart programs (firmware/smp, firmware/bench/parallel.c) that
 * are handed the FDT in a1 by QEMU's (and RvEmu's) boot ROM. Returns 1 if the blob is not an FDT.
 */
#ifndef RVEMU_FDT_CPUS_H
#define RVEMU_FDT_CPUS_H
#include <stdint.h>

static inline uint32_t fdt_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline unsigned count_cpus(const uint8_t *fdt)
{
    if (fdt_be32(fdt) != 0xd00dfeed)
        return 1;
    const uint8_t *p = fdt + fdt_be32(fdt + 8), *end = p + fdt_be32(fdt + 36);
    unsigned n = 0;
    while (p < end) {
        uint32_t token = fdt_be32(p);
        p += 4;
        if (token == 1) {                       /* FDT_BEGIN_NODE, name, padding */
            const char *name = (const char *)p;
            if (name[0] == 'c' && name[1] == 'p' && name[2] == 'u' && name[3] == '@')
                n++;
            while (*p)
                p++;
            p = (const uint8_t *)(((uintptr_t)p + 4) & ~3UL);
        } else if (token == 3) {                /* FDT_PROP: len, nameoff, value */
            p += 8 + ((fdt_be32(p) + 3) & ~3U);
        } else if (token == 9) {                /* FDT_END */
            break;
        }
    }
    return n ? n : 1;
}

#endif
