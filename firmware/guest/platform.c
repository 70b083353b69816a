/* Reads the boot FDT: model, memory, reservations, timebase, PLIC (and the boot hart's
 * S-mode context in it), the UART, the test finisher and every virtio,mmio node. The
 * blob is read through the boot linear map (start.S); every address kept is physical. */
#include "platform.h"

#include "console.h"
#include "fdt.h"
#include "guest.h"
#include "mm.h"
#include "string.h"

struct platform plat;

static void add_reserved(uint64_t base, uint64_t size)
{
    if (plat.reserved_count < MAX_RESERVED) {
        plat.reserved[plat.reserved_count].base = base;
        plat.reserved[plat.reserved_count].size = size;
        plat.reserved_count++;
    }
}

static void print_size(uint64_t bytes)
{
    if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0)
        kprintf("%lu MiB", (unsigned long)(bytes >> 20));
    else if (bytes >= 1024 && bytes % 1024 == 0)
        kprintf("%lu KiB", (unsigned long)(bytes >> 10));
    else
        kprintf("%lu bytes", (unsigned long)bytes);
}

static void find_memory(void)
{
    /* Memory nodes are those with device_type = "memory" (DT spec §3.4). */
    for (int n = 1; n < fdt_count(); n++) {
        const char *type = fdt_getprop_str(n, "device_type");
        if (type == NULL || strcmp(type, "memory") != 0)
            continue;
        uint64_t base, size;
        for (int i = 0; fdt_reg(n, i, &base, &size) == 0; i++) {
            if (size == 0 || plat.mem_count == MAX_MEM_BANKS)
                continue;
            plat.mem[plat.mem_count].base = base;
            plat.mem[plat.mem_count].size = size;
            plat.mem_count++;
            kprintf("fdt: memory 0x%lx..0x%lx (", (unsigned long)base, (unsigned long)(base + size));
            print_size(size);
            kprintf(")\n");
        }
    }
}

static void find_reserved(void)
{
    uint64_t base, size;
    for (int i = 0; fdt_memreserve(i, &base, &size); i++) {
        add_reserved(base, size);
        kprintf("fdt: memreserve 0x%lx..0x%lx\n", (unsigned long)base, (unsigned long)(base + size));
    }
    /* /reserved-memory children with a reg (DT spec §3.5.2); dynamic ones ("size"
     * without "reg") were already placed by the firmware and then do have a reg. */
    int rm = fdt_find_path("/reserved-memory");
    char path[96];
    for (int c = fdt_next_child(rm, -1); rm >= 0 && c >= 0; c = fdt_next_child(rm, c)) {
        for (int i = 0; fdt_reg(c, i, &base, &size) == 0; i++) {
            add_reserved(base, size);
            fdt_path_of(c, path, sizeof(path));
            kprintf("fdt: reserved 0x%lx..0x%lx (%s)\n", (unsigned long)base, (unsigned long)(base + size), path);
        }
    }
    /* An initrd loaded by the boot loader (/chosen linux,initrd-start/end). */
    int chosen = fdt_find_path("/chosen");
    uint64_t start, end;
    if (fdt_getprop_uint(chosen, "linux,initrd-start", &start) && fdt_getprop_uint(chosen, "linux,initrd-end", &end) &&
        end > start) {
        add_reserved(start, end - start);
        kprintf("fdt: initrd 0x%lx..0x%lx\n", (unsigned long)start, (unsigned long)end);
    }
    add_reserved(linear_pa((const void *)fdt_address()), fdt_totalsize());
}

/* The cpu node whose reg is `hartid` (DT spec §3.8), or -1. */
static int find_boot_cpu(int cpus)
{
    for (int c = fdt_next_child(cpus, -1); cpus >= 0 && c >= 0; c = fdt_next_child(cpus, c)) {
        const char *type = fdt_getprop_str(c, "device_type");
        uint64_t reg, unused;
        if (type != NULL && strcmp(type, "cpu") == 0 && fdt_reg_raw(c, 0, &reg, &unused) == 0 && reg == plat.hartid)
            return c;
    }
    return -1;
}

static void find_timebase(int cpus, int cpu)
{
    /* timebase-frequency sits in /cpus or in each cpu node (DT spec §3.7, §3.8). */
    if (!fdt_getprop_uint(cpus, "timebase-frequency", &plat.timebase) &&
        !fdt_getprop_uint(cpu, "timebase-frequency", &plat.timebase))
        guest_fail(EXIT_FDT, "no timebase-frequency in /cpus");
    if (plat.timebase == 0)
        guest_fail(EXIT_FDT, "timebase-frequency is 0");
    kprintf("fdt: timebase-frequency %lu Hz\n", (unsigned long)plat.timebase);
}

/* The PLIC's interrupts-extended lists one (phandle, irq) pair per context, in
 * context order; the boot hart's S-mode context is the one naming its cpu-intc
 * with irq 9 (S-mode external interrupt). */
static bool find_plic_context(int cpu)
{
    uint32_t intc_phandle = 0;
    for (int c = fdt_next_child(cpu, -1); cpu >= 0 && c >= 0; c = fdt_next_child(cpu, c)) {
        if (fdt_is_compatible(c, "riscv,cpu-intc"))
            intc_phandle = fdt_node(c)->phandle;
    }
    uint32_t len;
    const uint8_t *p = fdt_getprop(plat.plic_node, "interrupts-extended", &len);
    if (intc_phandle == 0 || p == NULL)
        return false;
    uint32_t ctx = 0;
    for (uint32_t off = 0; off + 4 <= len; ctx++) {
        uint32_t ph = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 | p[off + 3];
        int target = fdt_find_phandle(ph);
        uint32_t cells = target >= 0 && fdt_node(target)->intr_cells ? fdt_node(target)->intr_cells : 1;
        if (off + 4 + 4 * cells > len)
            return false;
        const uint8_t *q = p + off + 4;
        uint32_t irq = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        if (ph == intc_phandle && irq == 9) {
            plat.plic_context = ctx;
            return true;
        }
        off += 4 + 4 * cells;
    }
    return false;
}

static void find_plic(int cpu)
{
    plat.plic_node = fdt_next_compatible(-1, "riscv,plic0");
    if (plat.plic_node < 0)
        plat.plic_node = fdt_next_compatible(-1, "sifive,plic-1.0.0");
    if (plat.plic_node < 0 || fdt_reg(plat.plic_node, 0, &plat.plic_base, &plat.plic_size) != 0)
        guest_fail(EXIT_FDT, "no PLIC (riscv,plic0 / sifive,plic-1.0.0) in the FDT");
    if (!fdt_getprop_u32(plat.plic_node, "riscv,ndev", &plat.plic_ndev) || plat.plic_ndev == 0 || plat.plic_ndev > 1023)
        guest_fail(EXIT_FDT, "PLIC has no usable riscv,ndev");
    plat.plic_context_from_fdt = find_plic_context(cpu);
    if (!plat.plic_context_from_fdt)
        plat.plic_context = (uint32_t)(2 * plat.hartid + 1);
    kprintf("fdt: PLIC at 0x%lx, sources 1..%u, hart %lu S-mode context %u%s\n", (unsigned long)plat.plic_base,
            plat.plic_ndev, (unsigned long)plat.hartid, plat.plic_context,
            plat.plic_context_from_fdt ? "" : " (assumed: not found in interrupts-extended)");
}

static void find_finisher(void)
{
    int n = fdt_next_compatible(-1, "sifive,test0");
    if (n < 0)
        n = fdt_next_compatible(-1, "sifive,test1");
    plat.has_finisher = n >= 0 && fdt_reg(n, 0, &plat.finisher, &plat.finisher_size) == 0;
    if (plat.has_finisher)
        kprintf("fdt: test finisher (sifive,test0) at 0x%lx\n", (unsigned long)plat.finisher);
    else
        kprintf("fdt: no sifive,test0 node; failures will use 0x100000\n");
}

/* The console UART (ns16550a on virt), for input by interrupt; output goes through SBI. */
static void find_uart(void)
{
    int n = fdt_next_compatible(-1, "ns16550a");
    if (n < 0)
        n = fdt_next_compatible(-1, "ns16550");
    plat.has_uart = n >= 0 && fdt_reg(n, 0, &plat.uart_base, &plat.uart_size) == 0 &&
                    fdt_interrupt(n, 0, &plat.uart_irq) && plat.uart_irq != 0 && plat.uart_irq <= plat.plic_ndev;
    uint32_t shift = 0;
    if (plat.has_uart && fdt_getprop_u32(n, "reg-shift", &shift) && shift != 0)
        plat.has_uart = false; /* byte-spaced registers only (as on virt) */
    if (plat.has_uart)
        kprintf("fdt: UART (ns16550a) at 0x%lx, PLIC source %u\n", (unsigned long)plat.uart_base, plat.uart_irq);
    else
        kprintf("fdt: no usable ns16550a UART: no console input\n");
}

static void find_virtio(void)
{
    char path[96];
    for (int n = fdt_next_compatible(-1, "virtio,mmio"); n >= 0; n = fdt_next_compatible(n, "virtio,mmio")) {
        const char *status = fdt_getprop_str(n, "status");
        if (status != NULL && strcmp(status, "okay") != 0 && strcmp(status, "ok") != 0)
            continue;
        struct virtio_node v;
        fdt_path_of(n, path, sizeof(path));
        if (fdt_reg(n, 0, &v.base, &v.size) != 0 || !fdt_interrupt(n, 0, &v.irq)) {
            kprintf("fdt: %s: no usable reg/interrupts, skipped\n", path);
            continue;
        }
        if (v.irq == 0 || v.irq > plat.plic_ndev)
            kprintf("fdt: %s: interrupt %u is not a PLIC source (1..%u), skipped\n", path, v.irq, plat.plic_ndev);
        else if (fdt_interrupt_parent(n) != plat.plic_node)
            kprintf("fdt: %s: interrupt parent is not the PLIC, skipped\n", path);
        else if (plat.virtio_count == MAX_VIRTIO)
            kprintf("fdt: %s: too many virtio nodes, skipped\n", path);
        else {
            v.node = n;
            /* Keep the list sorted by address so the output reads in slot order. */
            int i = plat.virtio_count++;
            while (i > 0 && plat.virtio[i - 1].base > v.base) {
                plat.virtio[i] = plat.virtio[i - 1];
                i--;
            }
            plat.virtio[i] = v;
        }
    }
    kprintf("fdt: %d virtio,mmio node%s\n", plat.virtio_count, plat.virtio_count == 1 ? "" : "s");
}

/* The kernel command line: /chosen/bootargs (DT spec §3.6), which QEMU fills from
 * -append and RvEmu from --append. Printed only when present, so a run without one
 * prints exactly what it always did. */
static void find_bootargs(void)
{
    plat.bootargs = fdt_getprop_str(fdt_find_path("/chosen"), "bootargs");
    if (plat.bootargs == NULL)
        plat.bootargs = "";
    if (plat.bootargs[0] != '\0')
        kprintf("fdt: bootargs \"%s\"\n", plat.bootargs);
}

bool bootargs_has(const char *word)
{
    size_t n = strlen(word);
    for (const char *p = plat.bootargs; *p != '\0';) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - start) == n && n > 0 && strncmp(start, word, n) == 0)
            return true;
    }
    return false;
}

void platform_probe(uint64_t hartid, const void *fdt)
{
    plat.hartid = hartid;
    int err = fdt_load(fdt);
    if (err != FDT_OK)
        guest_fail(EXIT_FDT, "FDT at %p: %s", fdt, fdt_strerror(err));
    plat.model = fdt_getprop_str(0, "model");
    kprintf("fdt: %u bytes, version %u, %d nodes, model \"%s\"\n", fdt_totalsize(), fdt_version(), fdt_count(),
            plat.model ? plat.model : "?");
    find_bootargs();
    find_finisher();
    find_memory();
    if (plat.mem_count == 0)
        guest_fail(EXIT_FDT, "no memory node in the FDT");
    find_reserved();
    int cpus = fdt_find_path("/cpus");
    int cpu = find_boot_cpu(cpus);
    if (cpus < 0 || cpu < 0)
        guest_fail(EXIT_FDT, "no /cpus node for hart %lu", (unsigned long)hartid);
    find_timebase(cpus, cpu);
    find_plic(cpu);
    find_uart();
    find_virtio();
}
