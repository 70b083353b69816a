/* RvEmu bundled guest: a small S-mode kernel that reads the FDT, brings up every
 * virtio-blk device it finds on virtio-mmio and tests it with interrupt-driven
 * requests. It is RvEmu's demo and end-to-end test, and runs unmodified on QEMU's
 * virt board (see README.md). */
#include <stdarg.h>
#include <stdbool.h>

#include "console.h"
#include "disktest.h"
#include "frames.h"
#include "guest.h"
#include "platform.h"
#include "plic.h"
#include "readbench.h"
#include "riscv.h"
#include "sbi.h"
#include "trap.h"
#include "virtio_blk.h"

extern char __image_start[], __image_end[];

#define FINISHER_FALLBACK 0x100000UL
#define FINISHER_FAIL 0x3333U

static struct virtio_blk blks[MAX_VIRTIO];

uint64_t ticks_to_us(uint64_t ticks) { return plat.timebase ? ticks * 1000000 / plat.timebase : 0; }

uint64_t ms_to_ticks(uint64_t ms) { return plat.timebase * ms / 1000; }

void guest_exit(int code)
{
    /* A second call means the first one trapped (e.g. no device at the fallback
     * finisher address): skip straight to the SBI calls. */
    static volatile bool exiting;
    bool again = exiting;
    exiting = true;
    console_flush();
    if (again) {
        sbi_shutdown(1);
    } else if (code == EXIT_OK) {
        sbi_shutdown(0); /* SRST shutdown, no reason */
    } else {
        /* SiFive test finisher: (code << 16) | 0x3333 = fail with `code`; QEMU exits
         * with that status. */
        uintptr_t finisher = plat.has_finisher ? (uintptr_t)plat.finisher : FINISHER_FALLBACK;
        mmio_write32(finisher, ((uint32_t)code << 16) | FINISHER_FAIL);
        sbi_shutdown(1); /* SRST reason: system failure */
    }
    for (;;)
        wfi();
}

void guest_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("guest: FAIL (exit code %d): ", code);
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    guest_exit(code);
}

static void print_sbi(void)
{
    if (!sbi.has_base) {
        kprintf("sbi: v0.1 (no base extension): legacy calls only\n");
        return;
    }
    kprintf("sbi: spec v%u.%u, implementation %s (id %ld) version 0x%lx", (sbi.spec_version >> 24) & 0x7f,
            sbi.spec_version & 0xffffff, sbi_impl_name(sbi.impl_id), sbi.impl_id, (unsigned long)sbi.impl_version);
    if (sbi.impl_id == 1) /* OpenSBI packs major << 16 | minor */
        kprintf(" (v%lu.%lu)", (unsigned long)(sbi.impl_version >> 16), (unsigned long)(sbi.impl_version & 0xffff));
    kprintf("\n");
    kprintf("sbi: console %s; TIME %s; SRST %s\n", sbi.has_dbcn ? "via DBCN" : "via legacy putchar (no DBCN)",
            sbi.has_time ? "yes" : "no (legacy set_timer)", sbi.has_srst ? "yes" : "no (legacy shutdown)");
}

/* Frames: RAM of the bank holding the kernel, from the end of the image on, less every
 * reserved range (firmware, FDT blob, memreserve, /reserved-memory). */
static void setup_memory(void)
{
    uint64_t start = (uintptr_t)__image_end, end = 0;
    for (int i = 0; i < plat.mem_count; i++) {
        if (start >= plat.mem[i].base && start < plat.mem[i].base + plat.mem[i].size)
            end = plat.mem[i].base + plat.mem[i].size;
    }
    if (end == 0)
        guest_fail(EXIT_FDT, "the kernel at %p is not inside any memory node", (void *)__image_start);
    frames_init(start, end);
    for (int i = 0; i < plat.reserved_count; i++)
        frames_reserve(plat.reserved[i].base, plat.reserved[i].size);
    if ((end - start) / FRAME_SIZE > FRAMES_MAX)
        kprintf("mem: managing only the first %lu MiB after the kernel\n", (unsigned long)(FRAMES_MAX * FRAME_SIZE >> 20));
    kprintf("mem: kernel 0x%lx..0x%lx; %lu free frames (%lu KiB) from 0x%lx\n", (unsigned long)(uintptr_t)__image_start,
            (unsigned long)(uintptr_t)__image_end, (unsigned long)frames_free_count(),
            (unsigned long)(frames_free_count() * FRAME_SIZE / 1024), (unsigned long)frames_start());
}

static const char *device_name(uint32_t id)
{
    switch (id) {
    case 0: return "empty";
    case 1: return "network";
    case 2: return "block";
    case 3: return "console";
    case 4: return "entropy";
    case 5: return "memory balloon";
    case 8: return "SCSI host";
    case 9: return "9P transport";
    case 16: return "GPU";
    case 18: return "input";
    case 19: return "socket";
    case 26: return "file system";
    default: return "other";
    }
}

/* Reads each virtio-mmio header, lists it, and collects the block devices. */
static int scan_virtio(void)
{
    int nblk = 0;
    for (int i = 0; i < plat.virtio_count; i++) {
        const struct virtio_node *v = &plat.virtio[i];
        struct virtio_dev dev = { 0 };
        const char *why;
        if (!virtio_probe_header(&dev, (uintptr_t)v->base, v->irq, &why))
            guest_fail(EXIT_VIRTIO_INIT, "virtio-mmio at 0x%lx: %s (magic 0x%x, version %u)", (unsigned long)v->base,
                       why, virtio_read32(&dev, VIRTIO_MMIO_MAGIC), virtio_read32(&dev, VIRTIO_MMIO_VERSION));
        kprintf("virtio-mmio@0x%lx irq %u: version %u (%s), device id %u (%s)", (unsigned long)v->base, v->irq,
                dev.version, dev.version == 1 ? "legacy" : "modern", dev.device_id, device_name(dev.device_id));
        if (dev.device_id)
            kprintf(", vendor 0x%x", dev.vendor_id);
        kprintf("\n");
        if (dev.device_id == VIRTIO_ID_BLOCK)
            blks[nblk++].dev = dev;
    }
    return nblk;
}

void main(uint64_t hartid, const void *fdt)
{
    sbi_init();
    kprintf("\nRvEmu guest: S-mode test kernel, hart %lu, FDT at %p\n", (unsigned long)hartid, fdt);
    print_sbi();
    platform_probe(hartid, fdt);
    setup_memory();
    plic_init(plat.plic_base, plat.plic_ndev, plat.plic_context);
    trap_init();

    int nblk = scan_virtio();
    if (nblk == 0)
        guest_fail(EXIT_NO_DISK, "no virtio-blk device found (add -drive file=DISK,format=raw,id=hd0,if=none "
                                 "-device virtio-blk-device,drive=hd0)");
    /* Throughput mode: every device is brought up as usual, then blk0 is read end to
     * end instead of being tested (no writes: the disk may be any image). */
    bool bench = bootargs_has("readbench");
    for (int i = 0; i < nblk; i++) {
        struct virtio_blk *blk = &blks[i];
        const char *why;
        kprintf("blk%d: %s virtio-mmio at 0x%lx, PLIC source %u\n", i, virtio_is_legacy(&blk->dev) ? "legacy" : "modern",
                (unsigned long)blk->dev.base, blk->dev.irq);
        if (!blk_init(blk, i, &why))
            guest_fail(EXIT_VIRTIO_INIT, "blk%d: %s", i, why);
        if (bench)
            continue;
        int r = disk_test(blk);
        if (r != EXIT_OK)
            guest_fail(r, "blk%d: disk test failed", i);
    }
    if (bench) {
        int r = read_bench(&blks[0]);
        if (r != EXIT_OK)
            guest_fail(r, "blk0: readbench failed");
    }
    kprintf("guest: timer interrupts %lu, external interrupts %lu (spurious %lu)\n", (unsigned long)trap_stats.timer,
            (unsigned long)trap_stats.external, (unsigned long)trap_stats.spurious);
    kprintf(bench ? "guest: readbench done\n" : "guest: all disk tests passed\n");
    guest_exit(EXIT_OK);
}
