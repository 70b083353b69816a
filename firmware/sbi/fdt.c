/*
 * Just enough of a flattened device tree reader (Devicetree Specification v0.4, ch. 5)
 * to find the RAM, the harts and the console. The FDT comes from the boot ROM and is
 * trusted to be well formed; walks are still bounded by the header's sizes.
 */
#include "sbi.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      8

static const unsigned char *fdt_struct;
static unsigned int fdt_struct_size;
static const char *fdt_strings;

static unsigned int be32(const void *p)
{
    const unsigned char *b = p;
    return (unsigned int)b[0] << 24 | (unsigned int)b[1] << 16 | (unsigned int)b[2] << 8 | b[3];
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static unsigned long strsize(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static unsigned int align4(unsigned int off) { return (off + 3) & ~3u; }

/* Property `name` of the node whose properties start at struct offset `off`. */
static const void *prop(unsigned int off, const char *name, unsigned int *len)
{
    while (off + 4 <= fdt_struct_size) {
        unsigned int tok = be32(fdt_struct + off);
        if (tok == FDT_NOP) {
            off += 4;
            continue;
        }
        if (tok != FDT_PROP)
            return 0;
        unsigned int plen = be32(fdt_struct + off + 4);
        const char *pname = fdt_strings + be32(fdt_struct + off + 8);
        if (streq(pname, name)) {
            if (len)
                *len = plen;
            return fdt_struct + off + 12;
        }
        off = align4(off + 12 + plen);
    }
    return 0;
}

static unsigned int prop_u32(unsigned int off, const char *name, unsigned int fallback)
{
    unsigned int len;
    const void *p = prop(off, name, &len);
    return p && len >= 4 ? be32(p) : fallback;
}

/* Read a `cells`-cell big-endian number (1 or 2 cells) and advance *p. */
static unsigned long read_cells(const unsigned char **p, unsigned int cells)
{
    unsigned long v = 0;
    for (unsigned int i = 0; i < cells; i++, *p += 4)
        v = v << 32 | be32(*p);
    return v;
}

static int has_at(const char *c, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        if (c[i] == '@')
            return 1;
    return 0;
}

/* Does path component [c, c+n) name node `name` ("serial" also matches "serial@10000000")? */
static int component_matches(const char *c, unsigned long n, const char *name)
{
    unsigned long i = 0;
    for (; i < n; i++)
        if (name[i] != c[i])
            return 0;
    return name[i] == 0 || (name[i] == '@' && !has_at(c, n));
}

static int path_matches(const char *path, const char *const *names, int depth)
{
    int d = 0;
    while (*path == '/')
        path++;
    while (*path && *path != ':') {
        unsigned long n = 0;
        while (path[n] && path[n] != '/' && path[n] != ':')
            n++;
        if (++d > depth || !component_matches(path, n, names[d]))
            return 0;
        path += n;
        while (*path == '/')
            path++;
    }
    return d == depth;
}

/*
 * One walk over all nodes. For each node: its depth, the names of it and its ancestors,
 * the struct offset of its properties, and the #address-cells/#size-cells of its parent.
 */
struct walk {
    unsigned int off;
    int depth;
    const char *names[MAX_DEPTH + 1];
    unsigned int acells[MAX_DEPTH + 1], scells[MAX_DEPTH + 1];
};

static int next_node(struct walk *w, unsigned int *props)
{
    while (w->off + 4 <= fdt_struct_size) {
        unsigned int tok = be32(fdt_struct + w->off);
        w->off += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)fdt_struct + w->off;
            w->off = align4(w->off + (unsigned int)strsize(name) + 1);
            if (++w->depth > MAX_DEPTH)
                return 0;
            w->names[w->depth] = name;
            *props = w->off;
            /* Children of this node use its cell counts (DT spec 2.3.5: defaults 2 and 1). */
            w->acells[w->depth] = prop_u32(w->off, "#address-cells", 2);
            w->scells[w->depth] = prop_u32(w->off, "#size-cells", 1);
            return 1;
        } else if (tok == FDT_END_NODE) {
            w->depth--;
        } else if (tok == FDT_PROP) {
            w->off = align4(w->off + 8 + be32(fdt_struct + w->off));
        } else if (tok != FDT_NOP) {
            return 0;   /* FDT_END or garbage */
        }
    }
    return 0;
}

static void walk_start(struct walk *w)
{
    w->off = 0;
    w->depth = -1;
}

static int is_okay(unsigned int props)
{
    const char *status = prop(props, "status", 0);
    return !status || streq(status, "okay") || streq(status, "ok");
}

/* Is `want` one of the strings in the "compatible" list? */
static int compatible(unsigned int props, const char *want)
{
    unsigned int len;
    const char *c = prop(props, "compatible", &len);
    for (unsigned int i = 0; c && i < len; i += (unsigned int)strsize(c + i) + 1)
        if (streq(c + i, want))
            return 1;
    return 0;
}

static void find_console(const char *path, struct platform_info *out)
{
    struct walk w;
    unsigned int props, len;
    walk_start(&w);
    while (next_node(&w, &props)) {
        if (w.depth < 1 || !path_matches(path, w.names, w.depth))
            continue;
        const unsigned char *reg = prop(props, "reg", &len);
        unsigned int ac = w.acells[w.depth - 1];
        if (!reg || len < ac * 4 || ac > 2)
            return;
        if (!compatible(props, "ns16550a") && !compatible(props, "ns16550"))
            return;
        /* Assumes identity "ranges" on the way up, as on virt's /soc. */
        out->uart_base = read_cells(&reg, ac);
        out->uart_shift = prop_u32(props, "reg-shift", 0);
        out->uart_width = prop_u32(props, "reg-io-width", 1);
        return;
    }
}

int fdt_parse(const void *fdt, struct platform_info *out)
{
    const unsigned char *h = fdt;
    if (be32(h) != FDT_MAGIC)
        return -1;
    fdt_struct = h + be32(h + 8);
    fdt_strings = (const char *)h + be32(h + 12);
    fdt_struct_size = be32(h + 36);

    const char *stdout_path = 0;
    unsigned int aliases = 0, props, len;
    struct walk w;
    walk_start(&w);
    while (next_node(&w, &props)) {
        const char *type = prop(props, "device_type", 0);
        if (w.depth == 1 && streq(w.names[1], "chosen")) {
            stdout_path = prop(props, "stdout-path", 0);
        } else if (w.depth == 1 && streq(w.names[1], "aliases")) {
            aliases = props;
        } else if (w.depth == 1 && type && streq(type, "memory")) {
            /* RAM: every (address, size) pair of "reg" (DT spec 3.4). */
            const unsigned char *reg = prop(props, "reg", &len);
            unsigned int ac = w.acells[0], sc = w.scells[0], pair = (ac + sc) * 4;
            if (!reg || ac > 2 || sc > 2 || pair == 0)
                continue;
            for (unsigned int i = 0; i + pair <= len && out->mem_count < 4; i += pair) {
                out->mem_base[out->mem_count] = read_cells(&reg, ac);
                out->mem_size[out->mem_count] = read_cells(&reg, sc);
                out->mem_count++;
            }
        } else if (w.depth == 2 && streq(w.names[1], "cpus") && type && streq(type, "cpu")) {
            /* Harts (DT spec 3.8): "reg" is the hart id. */
            const unsigned char *reg = prop(props, "reg", &len);
            unsigned int ac = w.acells[1];
            if (reg && ac <= 2 && len >= ac * 4 && is_okay(props)) {
                unsigned long id = read_cells(&reg, ac);
                if (id < MAX_HARTS)
                    out->harts |= 1UL << id;
            }
        }
    }

    /* stdout-path is a path or an alias, optionally followed by ":options" (DT spec 3.6). */
    if (stdout_path && stdout_path[0] != '/' && aliases) {
        char alias[32];
        unsigned long n = 0;
        while (stdout_path[n] && stdout_path[n] != ':' && n < sizeof alias - 1) {
            alias[n] = stdout_path[n];
            n++;
        }
        alias[n] = 0;
        stdout_path = prop(aliases, alias, 0);
    }
    if (stdout_path && stdout_path[0] == '/')
        find_console(stdout_path, out);
    return 0;
}
