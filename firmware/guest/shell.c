/* The shell: one line, one command, words separated by spaces. Each command is a small
 * function that prints what the kernel knows or asks the layers below for it. */
#include "shell.h"

#include <stdbool.h>

#include "bcache.h"
#include "bench.h"
#include "console.h"
#include "fat.h"
#include "frames.h"
#include "guest.h"
#include "hal.h"
#include "kernel.h"
#include "mm.h"
#include "platform.h"
#include "riscv.h"
#include "sbi.h"
#include "string.h"
#include "trap.h"
#include "uart.h"

#define LINE_MAX 256
#define MAX_ARGS 4
#define PROMPT "guest> "

/* The scripted tour `rvemu run` starts with (bootargs word "tour"). Read-only: it may run
 * on a disk the user named. */
static const char *const tour[] = {
    "echo --- tour: what the FDT walk found (devices) ---",
    "devices",
    "echo --- the disk, driven through virtio-blk and the hal (blk) ---",
    "blk",
    "echo --- the FAT file system on it (ls, cat) ---",
    "ls",
    "cat hello.txt",
    "ls docs",
    "echo --- Sv39: the kernel's own page table, walked like the MMU does (pt) ---",
    "pt",
    "echo --- a read into a buffer on the kernel stack that spans two pages (dmademo) ---",
    "dmademo",
    "echo --- end of the tour: type 'help' for the commands ---",
};

/* ---- small helpers ---- */

static bool parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    bool digits = false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (; *s; s++) {
        unsigned d;
        if (*s == '_')
            continue; /* 0xffff_ffc0_8020_0000 */
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        digits = true;
    }
    *out = v;
    return digits;
}

static struct virtio_blk *disk(const char *cmd)
{
    if (kernel.nblk == 0 || kernel.blks[0].capacity == 0) {
        kprintf("%s: no disk\n", cmd);
        return NULL;
    }
    return &kernel.blks[0];
}

/* Prints why a file-system call failed; for I/O errors, which request and what the device said. */
static void fs_error(const char *cmd, const char *path, int err)
{
    if (err == FAT_EIO)
        kprintf("%s: %s: I/O error: the device answered %s for sector %lu%s\n", cmd, path,
                blk_status_name(bcache_last_status), (unsigned long)bcache_last_sector,
                bcache_last_status == VIRTIO_BLK_S_IOERR && kernel.blks[0].read_only ? " (the drive is read-only)" : "");
    else
        kprintf("%s: %s: %s\n", cmd, path, fat_strerror(err));
}

/* ---- commands ---- */

static void cmd_help(int argc, char **argv);

static void cmd_echo(int argc, char **argv, const char *rest)
{
    (void)argc;
    (void)argv;
    kprintf("%s\n", rest);
}

static void cmd_devices(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kprintf("model \"%s\", hart %lu, timebase %lu Hz\n", plat.model ? plat.model : "?", (unsigned long)plat.hartid,
            (unsigned long)plat.timebase);
    for (int i = 0; i < plat.mem_count; i++)
        kprintf("memory    pa 0x%08lx..0x%08lx (%lu MiB), linear map at va 0x%lx\n", (unsigned long)plat.mem[i].base,
                (unsigned long)(plat.mem[i].base + plat.mem[i].size), (unsigned long)(plat.mem[i].size >> 20),
                (unsigned long)(plat.mem[i].base + LINEAR_BASE));
    for (int i = 0; i < plat.reserved_count; i++)
        kprintf("reserved  pa 0x%08lx..0x%08lx\n", (unsigned long)plat.reserved[i].base,
                (unsigned long)(plat.reserved[i].base + plat.reserved[i].size));
    kprintf("PLIC      pa 0x%08lx, sources 1..%u, S-mode context %u\n", (unsigned long)plat.plic_base, plat.plic_ndev,
            plat.plic_context);
    if (plat.has_uart)
        kprintf("UART      pa 0x%08lx, ns16550a, PLIC source %u (%lu receive interrupts so far)\n",
                (unsigned long)plat.uart_base, plat.uart_irq, (unsigned long)uart_interrupts);
    if (plat.has_finisher)
        kprintf("finisher  pa 0x%08lx, sifive,test0\n", (unsigned long)plat.finisher);
    for (int i = 0; i < plat.virtio_count; i++) {
        const struct virtio_dev *d = &kernel.virtio[i];
        kprintf("virtio    pa 0x%08lx, PLIC source %u: ", (unsigned long)plat.virtio[i].base, plat.virtio[i].irq);
        if (d->device_id == 0)
            kprintf("empty slot\n");
        else
            kprintf("%s device (id %u), %s\n", virtio_device_name(d->device_id), d->device_id,
                    d->version == 1 ? "legacy (version 1)" : "modern (version 2)");
    }
    kprintf("frames    %lu of %lu free\n", (unsigned long)frames_free_count(), (unsigned long)frames_total());
}

static void cmd_blk(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (kernel.nblk == 0)
        kprintf("blk: no virtio-blk device\n");
    for (int i = 0; i < kernel.nblk; i++) {
        struct virtio_blk *b = &kernel.blks[i];
        kprintf("blk%d: virtio-blk, %s virtio-mmio (version %u) at pa 0x%lx, PLIC source %u\n", i,
                virtio_is_legacy(&b->dev) ? "legacy" : "modern", b->dev.version, (unsigned long)b->dev.base_pa,
                b->dev.irq);
        kprintf("blk%d: capacity %lu sectors (%lu KiB)%s, serial \"%s\"\n", i, (unsigned long)b->capacity,
                (unsigned long)(b->capacity / 2), b->read_only ? ", read-only" : "", b->serial);
        kprintf("blk%d: features: ", i);
        blk_print_features(b->dev.features);
        kprintf("\nblk%d: queue of %u entries at pa 0x%lx; %u requests, %u completed, %u split over several pages\n", i,
                b->dev.vq.num, (unsigned long)b->dev.vq.mem_pa, b->submitted, b->completed, b->split_requests);
        kprintf("blk%d: interrupts taken: %u\n", i, b->dev.interrupts);
    }
    kprintf("hal: %lu DMA pages allocated, %lu share calls, %lu extra pieces from page splits\n",
            (unsigned long)hal_stats.dma_pages, (unsigned long)hal_stats.shares, (unsigned long)hal_stats.split_pieces);
    kprintf("cache: %d sectors, %lu hits, %lu misses, %lu writes, %lu flushes\n", BCACHE_SECTORS,
            (unsigned long)bcache_stats.hits, (unsigned long)bcache_stats.misses, (unsigned long)bcache_stats.writes,
            (unsigned long)bcache_stats.flushes);
}

static void ls_one(const struct fat_entry *e, void *ctx)
{
    (*(int *)ctx)++;
    if (e->dir)
        kprintf("  %-20s  <dir>       cluster %u\n", e->name, e->cluster);
    else
        kprintf("  %-20s  %8u    cluster %u\n", e->name, e->size, e->cluster);
}

static void cmd_ls(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/";
    if (!disk("ls"))
        return;
    int n = 0;
    int err = fat_list(path, ls_one, &n);
    if (err)
        fs_error("ls", path, err);
    else
        kprintf("%d entr%s\n", n, n == 1 ? "y" : "ies");
}

static void cat_piece(const uint8_t *data, uint32_t len, void *ctx)
{
    bool *ends_nl = ctx;
    for (uint32_t i = 0; i < len; i++) {
        char c = (char)data[i];
        kprintf("%c", (c >= 32 && c < 127) || c == '\n' || c == '\t' ? c : '.');
    }
    if (len > 0)
        *ends_nl = data[len - 1] == '\n';
}

static void cmd_cat(int argc, char **argv)
{
    if (argc < 2) {
        kprintf("usage: cat FILE\n");
        return;
    }
    if (!disk("cat"))
        return;
    bool ends_nl = true;
    int err = fat_read(argv[1], cat_piece, &ends_nl);
    if (!ends_nl)
        kprintf("\n");
    if (err)
        fs_error("cat", argv[1], err);
}

static void cmd_write(int argc, char **argv, const char *rest)
{
    if (argc < 2) {
        kprintf("usage: write FILE TEXT\n");
        return;
    }
    if (!disk("write"))
        return;
    /* The text is the rest of the line after the file name, plus a newline. */
    const char *text = rest;
    while (*text == ' ')
        text++;
    text += strlen(argv[1]);
    while (*text == ' ')
        text++;
    static char buf[LINE_MAX + 1];
    size_t len = strlen(text);
    memcpy(buf, text, len);
    buf[len++] = '\n';
    int err = fat_write(argv[1], buf, (uint32_t)len);
    if (err)
        fs_error("write", argv[1], err);
    else
        kprintf("write: %s: %u bytes written and flushed\n", argv[1], (unsigned)len);
}

static void cmd_rm(int argc, char **argv)
{
    if (argc < 2) {
        kprintf("usage: rm FILE\n");
        return;
    }
    if (!disk("rm"))
        return;
    int err = fat_remove(argv[1]);
    if (err)
        fs_error("rm", argv[1], err);
    else
        kprintf("rm: %s removed\n", argv[1]);
}

static void cmd_hexdump(int argc, char **argv)
{
    uint64_t sector;
    if (argc < 2 || !parse_u64(argv[1], &sector)) {
        kprintf("usage: hexdump SECTOR\n");
        return;
    }
    struct virtio_blk *b = disk("hexdump");
    if (!b)
        return;
    static uint8_t buf[BLK_SECTOR_SIZE];
    int st = blk_request(b, VIRTIO_BLK_T_IN, sector, buf, sizeof(buf));
    if (st != VIRTIO_BLK_S_OK) {
        kprintf("hexdump: reading sector %lu failed: the device answered %s%s\n", (unsigned long)sector,
                blk_status_name(st), sector >= b->capacity ? " (past the end of the disk)" : "");
        return;
    }
    for (int off = 0; off < BLK_SECTOR_SIZE; off += 16) {
        kprintf("%08lx ", (unsigned long)(sector * BLK_SECTOR_SIZE + (uint64_t)off));
        for (int i = 0; i < 16; i++)
            kprintf(" %02x", buf[off + i]);
        kprintf("  |");
        for (int i = 0; i < 16; i++)
            kprintf("%c", buf[off + i] >= 32 && buf[off + i] < 127 ? buf[off + i] : '.');
        kprintf("|\n");
    }
}

static void cmd_pt(int argc, char **argv)
{
    uint64_t va;
    if (argc >= 2) {
        if (!parse_u64(argv[1], &va)) {
            kprintf("usage: pt VADDR (e.g. pt 0xffff_ffc0_8020_0000)\n");
            return;
        }
        mm_print_walk(va);
        return;
    }
    /* No argument: one address of each kind the kernel maps. */
    int on_stack = 0;
    kprintf("pt: kernel code (the function shell_run):\n");
    mm_print_walk((uint64_t)(uintptr_t)shell_run);
    kprintf("pt: a variable on the kernel stack:\n");
    mm_print_walk((uint64_t)(uintptr_t)&on_stack);
    if (plat.has_uart) {
        kprintf("pt: the UART's registers:\n");
        mm_print_walk(MMIO_BASE + plat.uart_base);
    }
    kprintf("pt: the guard page below the kernel stack:\n");
    mm_print_walk(mm_stack_lo - PAGE_SIZE);
}

/* A read into a buffer on the kernel stack that spans two pages. The stack's pages are
 * separate frames (mm_alloc_stack), so the buffer is not physically contiguous: the
 * driver asks share() piece by piece and sends one data descriptor per page. */
static void cmd_dmademo(int argc, char **argv)
{
    uint64_t sector = 0;
    if (argc >= 2 && !parse_u64(argv[1], &sector)) {
        kprintf("usage: dmademo [SECTOR]\n");
        return;
    }
    struct virtio_blk *b = disk("dmademo");
    if (!b)
        return;
    const uint32_t len = 2 * BLK_SECTOR_SIZE;
    uint8_t area[PAGE_SIZE + 2 * BLK_SECTOR_SIZE];
    /* 512 bytes before a page boundary, 1024 bytes long: half in each page. */
    uintptr_t boundary = ((uintptr_t)area + BLK_SECTOR_SIZE + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint8_t *buf = (uint8_t *)(boundary - BLK_SECTOR_SIZE);
    memset(buf, 0xee, len);
    uint64_t pa0 = virt_to_phys(buf), pa1 = virt_to_phys((void *)boundary);
    kprintf("dmademo: buffer of %u bytes on the kernel stack at va 0x%lx..0x%lx\n", len, (unsigned long)(uintptr_t)buf,
            (unsigned long)((uintptr_t)buf + len));
    kprintf("dmademo:   first page:  va 0x%lx -> pa 0x%lx (virt_to_phys, by page-table walk)\n",
            (unsigned long)(uintptr_t)buf, (unsigned long)pa0);
    kprintf("dmademo:   second page: va 0x%lx -> pa 0x%lx\n", (unsigned long)boundary, (unsigned long)pa1);
    kprintf("dmademo:   the frames are %s\n", pa1 == pa0 + BLK_SECTOR_SIZE ? "adjacent" : "not adjacent");
    int slot = blk_submit(b, VIRTIO_BLK_T_IN, sector, buf, len);
    if (slot < 0) {
        kprintf("dmademo: could not submit the request\n");
        return;
    }
    unsigned pieces = b->slots[slot].pieces;
    int st = blk_wait(b, slot);
    kprintf("dmademo: read sectors %lu..%lu with %u data descriptor%s: %s\n", (unsigned long)sector,
            (unsigned long)(sector + 1), pieces, pieces == 1 ? "" : "s", blk_status_name(st));
    if (st != VIRTIO_BLK_S_OK)
        return;
    /* The same sectors into DMA memory (contiguous by construction), to compare. */
    uint64_t ref_pa;
    uint8_t *ref = dma_alloc(1, &ref_pa);
    if (!ref) {
        kprintf("dmademo: no frame to compare with\n");
        return;
    }
    st = blk_request(b, VIRTIO_BLK_T_IN, sector, ref, len);
    bool same = st == VIRTIO_BLK_S_OK && memcmp(ref, buf, len) == 0;
    kprintf("dmademo: the same read into a dma_alloc frame (pa 0x%lx, 1 descriptor) gives %s bytes\n",
            (unsigned long)ref_pa, same ? "identical" : "DIFFERENT");
    kprintf("dmademo: bytes 0..7:");
    for (int i = 0; i < 8; i++)
        kprintf(" %02x", buf[i]);
    kprintf(", bytes 1016..1023:");
    for (uint32_t i = len - 8; i < len; i++)
        kprintf(" %02x", buf[i]);
    kprintf("\n");
    dma_dealloc(ref_pa, ref, 1);
}

static void cmd_bench(int argc, char **argv)
{
    (void)argc;
    struct virtio_blk *b = disk(argv[0]);
    if (!b)
        return;
    int r = read_bench(b, argv[0]);
    if (r != EXIT_OK)
        kprintf("%s: failed\n", argv[0]);
    else if (strcmp(argv[0], "readbench") == 0)
        kprintf("guest: readbench done\n");
}

/* Deliberately faults, to show the kernel's trap report: "fault" reads an unmapped
 * address, "fault stack" recurses into the guard page below the kernel stack. */
static volatile int fault_depth_limit = 1 << 30; /* volatile: "infinite" only at run time */

static int __attribute__((noinline)) recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth >= fault_depth_limit)
        return 0;
    return recurse(depth + 1) + pad[0];
}

static void cmd_fault(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "stack") == 0) {
        kprintf("fault: recursing until the stack runs into its guard page\n");
        console_flush();
        recurse(0);
    }
    kprintf("fault: loading from va 0x10 (not mapped)\n");
    console_flush();
    static volatile uintptr_t bad = 0x10; /* volatile: the compiler must not see the constant */
    (void)*(volatile uint64_t *)bad;
}

static void cmd_poweroff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kprintf("guest: powering off\n");
    guest_exit(EXIT_OK);
}

struct command {
    const char *name;
    const char *args;
    const char *help;
    void (*fn)(int argc, char **argv);
    void (*fn_rest)(int argc, char **argv, const char *rest); /* for commands that take free text */
};

static const struct command commands[] = {
    { "help", "", "this list", cmd_help, NULL },
    { "devices", "", "what the FDT walk found", cmd_devices, NULL },
    { "blk", "", "the virtio-blk disks: capacity, features, version, interrupts", cmd_blk, NULL },
    { "ls", "[DIR]", "list a directory of the FAT file system", cmd_ls, NULL },
    { "cat", "FILE", "print a file", cmd_cat, NULL },
    { "write", "FILE TEXT", "create or replace FILE (8.3 name) with TEXT and a newline", NULL, cmd_write },
    { "rm", "FILE", "remove a file", cmd_rm, NULL },
    { "hexdump", "SECTOR", "dump one disk sector", cmd_hexdump, NULL },
    { "pt", "[VADDR]", "walk the page table for VADDR, level by level", cmd_pt, NULL },
    { "dmademo", "[SECTOR]", "read into a stack buffer that spans two pages", cmd_dmademo, NULL },
    { "bench", "", "read the whole disk: MiB/s and requests/s", cmd_bench, NULL },
    { "readbench", "", "bench, then 'guest: readbench done'", cmd_bench, NULL },
    { "echo", "TEXT", "print TEXT", NULL, cmd_echo },
    { "fault", "[stack]", "take a kernel page fault on purpose (powers off)", cmd_fault, NULL },
    { "poweroff", "", "power the machine off (exit code 0)", cmd_poweroff, NULL },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char usage[32];
        size_t n = strlen(commands[i].name);
        memcpy(usage, commands[i].name, n);
        usage[n] = '\0';
        if (commands[i].args[0]) {
            usage[n] = ' ';
            strcpy(usage + n + 1, commands[i].args);
        }
        kprintf("  %-20s %s\n", usage, commands[i].help);
    }
    kprintf("Commands also come from the kernel command line, separated by ';' (rvemu run --append \"ls; poweroff\").\n");
}

static void execute(const char *line)
{
    static char copy[LINE_MAX + 1];
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    size_t n = strnlen(line, LINE_MAX);
    memcpy(copy, line, n);
    copy[n] = '\0';
    for (char *p = copy; *p && argc < MAX_ARGS;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    argv[argc] = NULL;
    if (argc == 0)
        return;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[0], commands[i].name) != 0)
            continue;
        if (commands[i].fn_rest) {
            /* The text after the command word, as typed. */
            const char *rest = line;
            while (*rest == ' ' || *rest == '\t')
                rest++;
            rest += strlen(argv[0]);
            while (*rest == ' ')
                rest++;
            commands[i].fn_rest(argc, argv, rest);
        } else {
            commands[i].fn(argc, argv);
        }
        return;
    }
    kprintf("%s: unknown command (try 'help')\n", argv[0]);
}

static void run_scripted(const char *cmd)
{
    if (strcmp(cmd, "tour") == 0) {
        for (size_t i = 0; i < sizeof(tour) / sizeof(tour[0]); i++)
            run_scripted(tour[i]);
        return;
    }
    if (strncmp(cmd, "echo ", 5) != 0)
        kprintf(PROMPT "%s\n", cmd);
    execute(cmd);
}

/* Splits the command line at ';' and runs each part. */
static void run_bootargs(const char *args)
{
    static char cmd[LINE_MAX + 1];
    while (*args) {
        size_t n = 0;
        while (*args == ' ')
            args++;
        while (*args && *args != ';') {
            if (n < LINE_MAX)
                cmd[n++] = *args;
            args++;
        }
        if (*args == ';')
            args++;
        while (n > 0 && cmd[n - 1] == ' ')
            n--;
        cmd[n] = '\0';
        if (n > 0)
            run_scripted(cmd);
    }
}

static void echo_char(char c)
{
    kprintf("%c", c);
    console_flush();
}

/* One line from the console, echoed, with backspace; the CPU sleeps in wfi between keys. */
static bool read_line(char *line)
{
    size_t n = 0;
    for (;;) {
        int c = uart_getc();
        if (c < 0) {
            if (!uart_wait())
                return false;
            continue;
        }
        if (c == '\r' || c == '\n') {
            echo_char('\n');
            line[n] = '\0';
            return true;
        }
        if (c == 0x7f || c == 0x08) {
            if (n > 0) {
                n--;
                kprintf("\b \b");
                console_flush();
            }
        } else if (c == 0x04 && n == 0) { /* Ctrl-D on an empty line */
            strcpy(line, "poweroff");
            kprintf("poweroff\n");
            return true;
        } else if (c >= 32 && c < 127 && n < LINE_MAX) {
            line[n++] = (char)c;
            echo_char((char)c);
        }
    }
}

void shell_run(const char *bootargs)
{
    run_bootargs(bootargs);
    if (!plat.has_uart) {
        kprintf("shell: no UART to read commands from: powering off\n");
        guest_exit(EXIT_OK);
    }
    kprintf("shell: ready after %lu ms of guest time; type 'help' for the commands\n",
            (unsigned long)(ticks_to_us(rdtime()) / 1000));
    static char line[LINE_MAX + 1];
    for (;;) {
        kprintf(PROMPT);
        console_flush();
        if (!read_line(line)) {
            kprintf("\nshell: console input unavailable: powering off\n");
            guest_exit(EXIT_OK);
        }
        execute(line);
    }
}
