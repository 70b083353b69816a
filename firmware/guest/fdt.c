/* Flattened devicetree reader: see fdt.h. All header fields and cells are big-endian
 * (§5.1); values are read byte by byte so no access is ever misaligned. */
#include "fdt.h"

#include "string.h"

#define FDT_MAGIC 0xd00dfeedU
/* Structure block tokens (§5.4.1). */
#define FDT_BEGIN_NODE 0x1
#define FDT_END_NODE 0x2
#define FDT_PROP 0x3
#define FDT_NOP 0x4
#define FDT_END 0x9

static const uint8_t *blob;
static uint32_t totalsize;
static uint32_t version;
static const uint8_t *structs;
static uint32_t struct_size;
static const char *strings;
static uint32_t strings_size;
static uint32_t memrsv_off;

static struct fdt_node nodes[FDT_MAX_NODES];
static int node_count;

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t be64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)be32(b) << 32 | be32(b + 4);
}

static uint64_t read_cells(const uint8_t *p, unsigned cells)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

static uint32_t align4(uint32_t v) { return (v + 3) & ~3U; }

const char *fdt_strerror(int err)
{
    switch (err) {
    case FDT_OK: return "ok";
    case FDT_ERR_MAGIC: return "bad magic (not a flattened devicetree)";
    case FDT_ERR_VERSION: return "unsupported version";
    case FDT_ERR_LAYOUT: return "header offsets or sizes out of bounds";
    case FDT_ERR_STRUCTURE: return "malformed structure block";
    case FDT_ERR_TOO_MANY: return "too many nodes";
    default: return "unknown error";
    }
}

/* A property name: its offset must be inside the strings block and NUL-terminated there. */
static const char *prop_name(uint32_t nameoff)
{
    if (nameoff >= strings_size)
        return NULL;
    if (strnlen(strings + nameoff, strings_size - nameoff) == strings_size - nameoff)
        return NULL;
    return strings + nameoff;
}

int fdt_load(const void *fdt)
{
    blob = fdt;
    node_count = 0;
    /* Header (§5.2): ten big-endian 32-bit fields. */
    if (be32(blob) != FDT_MAGIC)
        return FDT_ERR_MAGIC;
    totalsize = be32(blob + 4);
    uint32_t off_struct = be32(blob + 8);
    uint32_t off_strings = be32(blob + 12);
    memrsv_off = be32(blob + 16);
    version = be32(blob + 20);
    uint32_t last_comp = be32(blob + 24);
    strings_size = be32(blob + 32);
    /* Version 17 is compatible back to 16; size_dt_struct exists from v17 on. */
    if (version < 16 || last_comp > 17)
        return FDT_ERR_VERSION;
    struct_size = version >= 17 ? be32(blob + 36) : totalsize - off_struct;
    if (totalsize < 40 || totalsize > (16U << 20) || off_struct % 4 != 0 || memrsv_off % 8 != 0 ||
        off_struct > totalsize || struct_size > totalsize - off_struct ||
        off_strings > totalsize || strings_size > totalsize - off_strings ||
        memrsv_off < 40 || memrsv_off > totalsize)
        return FDT_ERR_LAYOUT;
    structs = blob + off_struct;
    strings = (const char *)blob + off_strings;

    int stack[64];
    int depth = 0;
    bool root_done = false;
    uint32_t off = 0;
    for (;;) {
        if (off + 4 > struct_size)
            return FDT_ERR_STRUCTURE;
        uint32_t token = be32(structs + off);
        off += 4;
        switch (token) {
        case FDT_BEGIN_NODE: {
            const char *name = (const char *)structs + off;
            size_t len = strnlen(name, struct_size - off);
            if (len == struct_size - off || root_done || depth == 64)
                return FDT_ERR_STRUCTURE;
            if (node_count == FDT_MAX_NODES)
                return FDT_ERR_TOO_MANY;
            off = align4(off + (uint32_t)len + 1);
            struct fdt_node *n = &nodes[node_count];
            n->name = name;
            n->parent = depth ? stack[depth - 1] : -1;
            n->props = off;
            n->phandle = 0;
            n->addr_cells = 2;
            n->size_cells = 1;
            n->intr_cells = 0;
            n->depth = (uint8_t)depth;
            stack[depth++] = node_count++;
            break;
        }
        case FDT_END_NODE:
            if (depth == 0)
                return FDT_ERR_STRUCTURE;
            depth--;
            if (depth == 0)
                root_done = true;
            break;
        case FDT_PROP: {
            if (depth == 0 || off + 8 > struct_size)
                return FDT_ERR_STRUCTURE;
            uint32_t len = be32(structs + off);
            const char *name = prop_name(be32(structs + off + 4));
            off += 8;
            if (name == NULL || len > struct_size - off)
                return FDT_ERR_STRUCTURE;
            struct fdt_node *n = &nodes[stack[depth - 1]];
            const uint8_t *val = structs + off;
            if (len == 4) {
                uint32_t v = be32(val);
                if (strcmp(name, "#address-cells") == 0)
                    n->addr_cells = (uint8_t)(v > 255 ? 255 : v);
                else if (strcmp(name, "#size-cells") == 0)
                    n->size_cells = (uint8_t)(v > 255 ? 255 : v);
                else if (strcmp(name, "#interrupt-cells") == 0)
                    n->intr_cells = (uint8_t)(v > 255 ? 255 : v);
                else if (strcmp(name, "phandle") == 0 || strcmp(name, "linux,phandle") == 0)
                    n->phandle = v;
            }
            off = align4(off + len);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            if (depth != 0 || !root_done)
                return FDT_ERR_STRUCTURE;
            return FDT_OK;
        default:
            return FDT_ERR_STRUCTURE;
        }
    }
}

uintptr_t fdt_address(void) { return (uintptr_t)blob; }
uint32_t fdt_totalsize(void) { return totalsize; }
uint32_t fdt_version(void) { return version; }
int fdt_count(void) { return node_count; }

const struct fdt_node *fdt_node(int index)
{
    return index >= 0 && index < node_count ? &nodes[index] : NULL;
}

const void *fdt_getprop(int node, const char *name, uint32_t *len)
{
    if (node < 0 || node >= node_count)
        return NULL;
    /* A node's properties come right after its name, before any child (§5.4.2);
     * fdt_load has already checked every offset below. */
    uint32_t off = nodes[node].props;
    for (;;) {
        uint32_t token = be32(structs + off);
        if (token == FDT_NOP) {
            off += 4;
            continue;
        }
        if (token != FDT_PROP)
            return NULL;
        uint32_t plen = be32(structs + off + 4);
        const char *pname = strings + be32(structs + off + 8);
        if (strcmp(pname, name) == 0) {
            if (len)
                *len = plen;
            return structs + off + 12;
        }
        off = align4(off + 12 + plen);
    }
}

bool fdt_getprop_u32(int node, const char *name, uint32_t *out)
{
    uint32_t len;
    const void *p = fdt_getprop(node, name, &len);
    if (p == NULL || len != 4)
        return false;
    *out = be32(p);
    return true;
}

bool fdt_getprop_uint(int node, const char *name, uint64_t *out)
{
    uint32_t len;
    const void *p = fdt_getprop(node, name, &len);
    if (p == NULL || (len != 4 && len != 8))
        return false;
    *out = read_cells(p, len / 4);
    return true;
}

const char *fdt_getprop_str(int node, const char *name)
{
    uint32_t len;
    const char *p = fdt_getprop(node, name, &len);
    if (p == NULL || len == 0 || p[len - 1] != '\0')
        return NULL;
    return p;
}

bool fdt_is_compatible(int node, const char *compat)
{
    uint32_t len;
    const char *p = fdt_getprop(node, "compatible", &len);
    if (p == NULL)
        return false;
    /* A <stringlist>: NUL-terminated strings back to back (§2.2.4). */
    uint32_t i = 0;
    while (i < len) {
        size_t n = strnlen(p + i, len - i);
        if (n == strlen(compat) && strncmp(p + i, compat, n) == 0)
            return true;
        i += (uint32_t)n + 1;
    }
    return false;
}

int fdt_next_compatible(int after, const char *compat)
{
    for (int i = after + 1; i < node_count; i++) {
        if (fdt_is_compatible(i, compat))
            return i;
    }
    return -1;
}

int fdt_next_child(int parent, int after)
{
    for (int i = after + 1; i < node_count; i++) {
        if (nodes[i].parent == parent)
            return i;
    }
    return -1;
}

/* Does path component [c, c+len) name this node? "cpus" matches "cpus", and
 * "memory" matches "memory@80000000" (a unit address may be left out). */
static bool name_matches(const char *node_name, const char *c, size_t len)
{
    if (strncmp(node_name, c, len) != 0)
        return false;
    if (node_name[len] == '\0')
        return true;
    if (node_name[len] != '@')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (c[i] == '@')
            return false;
    }
    return true;
}

int fdt_find_path(const char *path)
{
    if (node_count == 0 || path[0] != '/')
        return -1;
    int node = 0;
    const char *p = path + 1;
    while (*p) {
        const char *end = p;
        while (*end && *end != '/')
            end++;
        size_t len = (size_t)(end - p);
        int found = -1;
        for (int c = fdt_next_child(node, -1); c >= 0; c = fdt_next_child(node, c)) {
            if (name_matches(nodes[c].name, p, len)) {
                found = c;
                break;
            }
        }
        if (found < 0)
            return -1;
        node = found;
        p = *end ? end + 1 : end;
    }
    return node;
}

int fdt_find_phandle(uint32_t phandle)
{
    if (phandle == 0 || phandle == 0xffffffffU)
        return -1;
    for (int i = 0; i < node_count; i++) {
        if (nodes[i].phandle == phandle)
            return i;
    }
    return -1;
}

void fdt_path_of(int node, char *buf, size_t len)
{
    int chain[64];
    int n = 0;
    for (int i = node; i > 0 && n < 64; i = nodes[i].parent)
        chain[n++] = i;
    size_t pos = 0;
    if (len == 0)
        return;
    if (n == 0 && pos + 1 < len)
        buf[pos++] = '/';
    while (n > 0) {
        const char *s = nodes[chain[--n]].name;
        if (pos + 1 < len)
            buf[pos++] = '/';
        while (*s && pos + 1 < len)
            buf[pos++] = *s++;
    }
    buf[pos] = '\0';
}

/* Maps `*addr`, an address on the bus that node `bus` provides to its children, up
 * to the root's (CPU) address space through each level's "ranges" (§2.3.8). */
static bool translate(int bus, uint64_t *addr)
{
    while (nodes[bus].parent >= 0) {
        uint32_t len;
        const uint8_t *r = fdt_getprop(bus, "ranges", &len);
        if (r == NULL)
            return false; /* no ranges: children are not memory-mapped */
        int up = nodes[bus].parent;
        if (len != 0) {
            unsigned cac = nodes[bus].addr_cells, pac = nodes[up].addr_cells, sc = nodes[bus].size_cells;
            if (cac < 1 || cac > 2 || pac < 1 || pac > 2 || sc > 2)
                return false;
            uint32_t entry = 4 * (cac + pac + sc);
            bool mapped = false;
            for (uint32_t o = 0; o + entry <= len; o += entry) {
                uint64_t child = read_cells(r + o, cac);
                uint64_t parent = read_cells(r + o + 4 * cac, pac);
                uint64_t size = read_cells(r + o + 4 * (cac + pac), sc);
                if (*addr >= child && *addr - child < size) {
                    *addr = parent + (*addr - child);
                    mapped = true;
                    break;
                }
            }
            if (!mapped)
                return false;
        }
        bus = up;
    }
    return true;
}

int fdt_reg_raw(int node, int index, uint64_t *addr, uint64_t *size)
{
    if (node <= 0 || node >= node_count)
        return -1;
    int parent = nodes[node].parent;
    unsigned ac = nodes[parent].addr_cells, sc = nodes[parent].size_cells;
    if (ac < 1 || ac > 2 || sc > 2)
        return -2;
    uint32_t len;
    const uint8_t *p = fdt_getprop(node, "reg", &len);
    uint32_t entry = 4 * (ac + sc);
    if (p == NULL || index < 0 || (uint64_t)(index + 1) * entry > len)
        return -1;
    p += (uint32_t)index * entry;
    *addr = read_cells(p, ac);
    *size = read_cells(p + 4 * ac, sc);
    return 0;
}

int fdt_reg(int node, int index, uint64_t *addr, uint64_t *size)
{
    uint64_t a;
    int r = fdt_reg_raw(node, index, &a, size);
    if (r != 0)
        return r;
    if (!translate(nodes[node].parent, &a))
        return -2;
    *addr = a;
    return 0;
}

int fdt_interrupt_parent(int node)
{
    for (int i = node; i >= 0; i = nodes[i].parent) {
        uint32_t ph;
        if (fdt_getprop_u32(i, "interrupt-parent", &ph))
            return fdt_find_phandle(ph);
    }
    return -1;
}

bool fdt_interrupt(int node, int index, uint32_t *irq)
{
    int ip = fdt_interrupt_parent(node);
    unsigned cells = ip >= 0 && nodes[ip].intr_cells ? nodes[ip].intr_cells : 1;
    uint32_t len;
    const uint8_t *p = fdt_getprop(node, "interrupts", &len);
    if (p == NULL || index < 0 || (uint64_t)(index + 1) * 4 * cells > len)
        return false;
    *irq = be32(p + 4 * cells * (uint32_t)index);
    return true;
}

bool fdt_memreserve(int index, uint64_t *addr, uint64_t *size)
{
    /* Pairs of big-endian 64-bit (address, size), ended by a (0, 0) pair (§5.3). */
    for (int i = 0;; i++) {
        uint32_t off = memrsv_off + 16 * (uint32_t)i;
        if (off + 16 > totalsize)
            return false;
        uint64_t a = be64(blob + off), s = be64(blob + off + 8);
        if (a == 0 && s == 0)
            return false;
        if (i == index) {
            *addr = a;
            *size = s;
            return true;
        }
    }
}
