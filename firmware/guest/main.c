/* RvEmu bundled guest: a small S-mode teaching kernel. In the order it boots:
 *   start.S   turns Sv39 on with a boot page table and jumps to the kernel's virtual address
 *   main      reads the FDT (platform.c), hands the free RAM to the frame allocator
 *             (frames.c), builds the real page table (mm.c) and moves onto a kernel stack
 *             made of frames with a guard page below it
 *   kernel_main  PLIC and traps (trap.c), UART input (uart.c), virtio-blk devices through
 *             the hal (hal.c, virtio.c, virtio_blk.c), the FAT file system on a block cache
 *             (bcache.c, fat.c), then the shell (shell.c) with the commands from the
 *             kernel command line.
 * It runs unmodified on QEMU's virt board (see README.md). */
#include <stdarg.h>
#include <stdbool.h>

#include "bcache.h"
#include "console.h"
#include "fat.h"
#include "frames.h"
#include "guest.h"
#include "hal.h"
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "plic.h"
#include "riscv.h"
#include "sbi.h"
#include "shell.h"
#include "trap.h"
#include "uart.h"
#include "virtio_blk.h"

extern char __image_start[], __image_end[];

#define FINISHER_FALLBACK 0x100000UL
#define FINISHER_FAIL 0x3333U
#define FINISHER_PASS 0x5555U
/* Kernel stack: 16 KiB of frames (mm_alloc_stack), one guard page below. */
#define KERNEL_STACK_PAGES 4

struct kernel kernel;

uint64_t ticks_to_us(uint64_t ticks) { return plat.timebase ? ticks * 1000000 / plat.timebase : 0; }

uint64_t ms_to_ticks(uint64_t ms) { return plat.timebase * ms / 1000; }

void guest_exit(int code)
{
    /* A second call means the first one trapped: skip straight to the SBI calls. */
    static volatile bool exiting;
    bool again = exiting;
    exiting = true;
    console_flush();
    if (again) {
        sbi_shutdown(1);
    } else if (code == EXIT_OK) {
        sbi_shutdown(0); /* SRST shutdown, no reason */
        /* Still here: the firmware has no reset driver. Power off through the finisher. */
        uint64_t va = plat.has_finisher ? mm_mmio_va(plat.finisher) : 0;
        if (va != 0)
            mmio_write32((uintptr_t)va, FINISHER_PASS);
    } else {
        /* SiFive test finisher: (code << 16) | 0x3333 = fail with `code`; QEMU exits with
         * that status. Before the page table maps it (an early failure), only SBI is left. */
        uint64_t finisher = plat.has_finisher ? plat.finisher : FINISHER_FALLBACK;
        uint64_t va = mm_mmio_va(finisher);
        if (va != 0)
            mmio_write32((uintptr_t)va, ((uint32_t)code << 16) | FINISHER_FAIL);
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
static void setup_frames(void)
{
    uint64_t start = linear_pa(__image_end), end = 0;
    for (int i = 0; i < plat.mem_count; i++) {
        if (start >= plat.mem[i].base && start < plat.mem[i].base + plat.mem[i].size)
            end = plat.mem[i].base + plat.mem[i].size;
    }
    if (end == 0)
        guest_fail(EXIT_FDT, "the kernel at pa 0x%lx is not inside any memory node",
                   (unsigned long)linear_pa(__image_start));
    frames_init(start, end);
    for (int i = 0; i < plat.reserved_count; i++)
        frames_reserve(plat.reserved[i].base, plat.reserved[i].size);
    if ((end - start) / FRAME_SIZE > FRAMES_MAX)
        kprintf("frames: managing only the first %lu MiB after the kernel\n",
                (unsigned long)(FRAMES_MAX * FRAME_SIZE >> 20));
    kprintf("frames: kernel image pa 0x%lx..0x%lx; %lu free frames (%lu KiB) from pa 0x%lx\n",
            (unsigned long)linear_pa(__image_start), (unsigned long)start, (unsigned long)frames_free_count(),
            (unsigned long)(frames_free_count() * FRAME_SIZE / 1024), (unsigned long)frames_start());
}

const char *virtio_device_name(uint32_t id)
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

/* Reads each virtio-mmio header and collects the block devices. */
static void scan_virtio(void)
{
    for (int i = 0; i < plat.virtio_count; i++) {
        const struct virtio_node *v = &plat.virtio[i];
        struct virtio_dev *dev = &kernel.virtio[i];
        const char *why;
        if (!virtio_probe_header(dev, v->base, v->irq, &why)) {
            kprintf("virtio-mmio@0x%lx: %s, skipped\n", (unsigned long)v->base, why);
            continue;
        }
        if (dev->device_id == 0)
            continue;
        kprintf("virtio-mmio@0x%lx irq %u: version %u (%s), device id %u (%s), vendor 0x%x\n", (unsigned long)v->base,
                v->irq, dev->version, dev->version == 1 ? "legacy" : "modern", dev->device_id,
                virtio_device_name(dev->device_id), dev->vendor_id);
        if (dev->device_id == VIRTIO_ID_BLOCK && kernel.nblk < MAX_VIRTIO)
            kernel.blks[kernel.nblk++].dev = *dev;
    }
}

static void bring_up_disks(void)
{
    for (int i = 0; i < kernel.nblk; i++) {
        struct virtio_blk *blk = &kernel.blks[i];
        const char *why;
        kprintf("blk%d: %s virtio-mmio at pa 0x%lx (va 0x%lx), PLIC source %u\n", i,
                virtio_is_legacy(&blk->dev) ? "legacy" : "modern", (unsigned long)blk->dev.base_pa,
                (unsigned long)blk->dev.base, blk->dev.irq);
        if (!blk_init(blk, i, &why)) {
            kprintf("blk%d: %s: not used\n", i, why);
            blk->capacity = 0;
            continue;
        }
        blk_read_serial(blk);
        kprintf("blk%d: %lu sectors (%lu KiB)%s, serial \"%s\"\n", i, (unsigned long)blk->capacity,
                (unsigned long)(blk->capacity / 2), blk->read_only ? ", read-only" : "", blk->serial);
    }
    if (kernel.nblk == 0) {
        kprintf("guest: no virtio-blk device found (add -drive file=DISK,format=raw,id=hd0,if=none "
                "-device virtio-blk-device,drive=hd0)\n");
        return;
    }
    if (!bcache_init(&kernel.blks[0]))
        guest_fail(EXIT_NO_MEMORY, "no memory for the block cache");
    int err = fat_mount();
    if (err == FAT_OK)
        kprintf("fat: blk0: FAT%d, volume \"%s\" id %04x-%04x, %u clusters of %u bytes\n", fat.type, fat.label,
                fat.volume_id >> 16, fat.volume_id & 0xffff, fat.clusters, fat.sectors_per_cluster * 512);
    else if (err == FAT_EIO)
        kprintf("fat: blk0: reading the boot sector failed: %s\n", blk_status_name(bcache_last_status));
    else
        kprintf("fat: blk0: %s\n", fat_strerror(err));
}

/* Runs on the frame-allocated kernel stack (see main). */
static void kernel_main(void)
{
    kprintf("mm: now on the kernel stack, sp = 0x%lx\n", (unsigned long)(uintptr_t)__builtin_frame_address(0));
    plic_init((uintptr_t)phys_to_virt(plat.plic_base), plat.plic_ndev, plat.plic_context);
    trap_init();
    uart_init();
    scan_virtio();
    bring_up_disks();
    shell_run(plat.bootargs);
}

void main(uint64_t hartid, uint64_t fdt_pa)
{
    sbi_init();
    kprintf("\nRvEmu guest: a small Sv39 teaching kernel, hart %lu, FDT at pa 0x%lx\n", (unsigned long)hartid,
            (unsigned long)fdt_pa);
    print_sbi();
    kprintf("mm: start.S turned Sv39 on with a boot table; main runs at va %p\n", (void *)main);
    platform_probe(hartid, linear_va(fdt_pa));
    setup_frames();
    mm_init();
    uint64_t lo, top = mm_alloc_stack(KERNEL_STACK_PAGES, &lo);
    if (top == 0)
        guest_fail(EXIT_NO_MEMORY, "no frames for the kernel stack");
    mm_stack_lo = lo;
    mm_stack_hi = top;
    kprintf("mm: kernel stack va 0x%lx..0x%lx from %d frames, guard page va 0x%lx..0x%lx unmapped\n",
            (unsigned long)lo, (unsigned long)top, KERNEL_STACK_PAGES, (unsigned long)(lo - PAGE_SIZE),
            (unsigned long)lo);
    kernel.boot_ticks = rdtime();
    run_on_stack(top, kernel_main);
}
