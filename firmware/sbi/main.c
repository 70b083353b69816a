/*
 * Boot: hart 0 (start.S) finds the platform in the FDT, sets itself up,
 * releases the other harts into the HSM "stopped" state and enters the next stage in
 * S-mode with a0 = hartid, a1 = FDT.
 */
#include "sbi.h"

extern char fw_stacks[];
static struct platform_info platform;

/* Is [addr, addr + size) RAM that S-mode may access, i.e. RAM outside the firmware? */
int s_range_ok(unsigned long addr, unsigned long size)
{
    unsigned long end = addr + size;
    if (end < addr)
        return 0;
    if (addr < FW_BASE + FW_SIZE && end > FW_BASE)
        return 0;
    for (int i = 0; i < platform.mem_count; i++)
        if (addr >= platform.mem_base[i] && end - platform.mem_base[i] <= platform.mem_size[i])
            return 1;
    return 0;
}

/* Read a word the boot ROM handed over, without dying if the pointer is bogus. */
static int peek(unsigned long addr, unsigned long *value)
{
    struct trap_info t;
    if (!addr || (addr & 7))
        return 0;
    *value = guarded_ld(addr, 0, &t);
    return t.cause == 0;
}

static void print_range(const char *label, unsigned long base, unsigned long size)
{
    print(label);
    print_hex(base);
    print(" - ");
    print_hex(base + size - 1);
}

void boot_main(unsigned long hartid, unsigned long fdt, unsigned long dyn)
{
    for (unsigned long i = 0; i < MAX_HARTS; i++) {
        harts[i].hartid = i;
        harts[i].state = HSM_STOPPED;
        harts[i].stack_top = (unsigned long)fw_stacks + (i + 1) * STACK_SIZE;
    }
    struct hart *h = &harts[hartid];
    h->state = HSM_STARTED;

    /* Platform description: FDT, with virt's layout as the fallback. */
    unsigned long magic;
    platform.uart_base = UART_DEFAULT;
    platform.uart_width = 1;
    int have_fdt = peek(fdt, &magic) && fdt_parse((const void *)fdt, &platform) == 0;
    if (platform.mem_count == 0) {
        platform.mem_base[0] = FW_BASE;
        platform.mem_size[0] = 128UL << 20;
        platform.mem_count = 1;
    }
    valid_harts = platform.harts | 1UL << hartid;
    console_init(platform.uart_base, platform.uart_shift, platform.uart_width);

    /* Next stage (fw_dynamic_info, else the fw_jump convention: 0x80200000 in S-mode). */
    unsigned long next = DEFAULT_NEXT_ADDR, mode = NEXT_MODE_S;
    const struct fw_dynamic_info *info = (const void *)dyn;
    if (peek(dyn, &magic) && magic == FW_DYNAMIC_MAGIC) {
        next = info->next_addr;
        mode = info->next_mode;
    }

    if (next == 0 || (next >= FW_BASE && next < FW_BASE + FW_SIZE)) {
        /* QEMU passes next_addr = 0 when there is no -kernel: nothing to run. */
        print("\n" FW_NAME ": no next stage to boot (next address ");
        print_hex(next);
        print(")\n");
        finisher_write(FINISHER_FAIL(EXIT_NO_NEXT_STAGE));
        for (;;)
            wfi();
    }

    hart_init_csrs(1);
    __atomic_store_n(&boot_done, 1, __ATOMIC_RELEASE);  /* other harts may go on now */

    console_lock();
    print("\n" FW_NAME " v" STR(FW_VERSION_MAJOR) "." STR(FW_VERSION_MINOR)
          " (SBI spec v2.0, implementation id ");
    print_hex(SBI_IMPL_ID);
    print(")\nBoot hart      : ");
    print_dec(hartid);
    print(" (valid harts mask ");
    print_hex(valid_harts);
    print(")\nFDT            : ");
    print_hex(fdt);
    print(have_fdt ? "" : " (unreadable: using virt defaults)");
    for (int i = 0; i < platform.mem_count; i++)
        print_range("\nRAM            : ", platform.mem_base[i], platform.mem_size[i]);
    print_range("\nFirmware       : ", FW_BASE, FW_SIZE);
    print(" (PMP: no S/U access)\nConsole        : ns16550a at ");
    print_hex(platform.uart_base);
    print(has_sstc ? "\nTimer          : Sstc (stimecmp)" : "\nTimer          : CLINT mtimecmp");
    print("\nNext stage     : ");
    print_hex(next);
    if (mode != NEXT_MODE_S)
        print(" (requested mode not supported: using S-mode)");
    else
        print(" in S-mode");
    print("\n\n");
    console_unlock();

    enter_supervisor(h, next, hartid, fdt);
}

void secondary_main(unsigned long hartid)
{
    struct hart *h = &harts[hartid];
    hart_init_csrs(0);
    hart_wait_for_start(h);   /* HSM: STOPPED until hart_start */
}
