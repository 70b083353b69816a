/* A small flattened-devicetree reader (Devicetree Specification v0.4, chapter 5).
 * fdt_load walks the structure block once and keeps a table of nodes; lookups then
 * scan a node's properties in place. Nothing is copied or modified. */
#ifndef GUEST_FDT_H
#define GUEST_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_NODES 256

struct fdt_node {
    const char *name;   /* node name with unit address ("cpu@0"); "" for the root */
    int parent;         /* index of the parent node, -1 for the root */
    uint32_t props;     /* offset in the structure block of the node's first property */
    uint32_t phandle;   /* 0 when the node has none */
    uint8_t addr_cells; /* #address-cells this node gives its children (default 2, §2.3.5) */
    uint8_t size_cells; /* #size-cells this node gives its children (default 1, §2.3.5) */
    uint8_t intr_cells; /* #interrupt-cells (0 when absent) */
    uint8_t depth;
};

/* fdt_load results. */
#define FDT_OK 0
#define FDT_ERR_MAGIC -1
#define FDT_ERR_VERSION -2
#define FDT_ERR_LAYOUT -3
#define FDT_ERR_STRUCTURE -4
#define FDT_ERR_TOO_MANY -5

int fdt_load(const void *blob);
const char *fdt_strerror(int err);

uintptr_t fdt_address(void);
uint32_t fdt_totalsize(void);
uint32_t fdt_version(void);
int fdt_count(void);
const struct fdt_node *fdt_node(int index);

/* Returns the property's value (and its length in *len), or NULL if absent. */
const void *fdt_getprop(int node, const char *name, uint32_t *len);
/* A one-cell property. */
bool fdt_getprop_u32(int node, const char *name, uint32_t *out);
/* A one- or two-cell property. */
bool fdt_getprop_uint(int node, const char *name, uint64_t *out);
/* A string property, NULL if absent or not NUL-terminated. */
const char *fdt_getprop_str(int node, const char *name);
/* True if the node's "compatible" string list holds `compat`. */
bool fdt_is_compatible(int node, const char *compat);
/* Next node after index `after` (-1 to start) that is compatible with `compat`; -1 if none. */
int fdt_next_compatible(int after, const char *compat);
/* Node by absolute path ("/cpus", "/reserved-memory"); a component without '@'
 * also matches a name with a unit address. -1 if none. */
int fdt_find_path(const char *path);
/* Next child of `parent` after index `after` (-1 to start); -1 if none. */
int fdt_next_child(int parent, int after);
int fdt_find_phandle(uint32_t phandle);
/* Writes the node's full path into buf. */
void fdt_path_of(int node, char *buf, size_t len);

/* Entry `index` of the node's "reg", decoded with the parent's #address-cells /
 * #size-cells and translated to a CPU physical address through the ancestors'
 * "ranges" (§2.3.6, §2.3.8). 0 on success, -1 if no such entry, -2 if it cannot be
 * translated (no ranges, or cell counts this reader does not handle). */
int fdt_reg(int node, int index, uint64_t *addr, uint64_t *size);
/* The same entry without translation (for "reg" values that are not addresses, like a cpu's hart id). */
int fdt_reg_raw(int node, int index, uint64_t *addr, uint64_t *size);
/* The node's interrupt parent (own or inherited "interrupt-parent"), -1 if none. */
int fdt_interrupt_parent(int node);
/* First cell of interrupt specifier `index` of the node's "interrupts". */
bool fdt_interrupt(int node, int index, uint32_t *irq);

/* Entry `index` of the memory reservation block (§5.3); false past the end. */
bool fdt_memreserve(int index, uint64_t *addr, uint64_t *size);

#endif
