/* FAT12/16/32 on the block cache (see fat.h). Section numbers are fatgen103's. Only
 * 512-byte sectors, no partition table (the image is a "superfloppy", as mkfs.vfat makes
 * it on a plain file). Every change goes through bcache and ends with bcache_sync, so a
 * command either lands on the disk (and FLUSH) or reports the failed request. */
#include "fat.h"

#include "bcache.h"
#include "string.h"

struct fat_info fat;
static bool mounted;
static uint32_t alloc_hint = 2;

/* On-disk directory entry (§6). */
struct dirent {
    uint8_t name[11];
    uint8_t attr;
    uint8_t ntres;  /* Windows NT: bit 3 = base name lower case, bit 4 = extension lower case */
    uint8_t crt_tenth;
    uint16_t crt_time, crt_date, acc_date, clus_hi, wrt_time, wrt_date, clus_lo;
    uint32_t size;
} __attribute__((packed));

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_SYSTEM 0x04
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LONG_NAME 0x0f
#define ENTRY_FREE 0xe5
#define NT_LOWER_BASE 0x08
#define NT_LOWER_EXT 0x10
#define ENTRIES_PER_SECTOR (BLK_SECTOR_SIZE / 32)

/* No clock is read here: files written by the guest get the date the disk image was
 * built with (firmware/guest/mkdisk.sh, SOURCE_DATE_EPOCH 2024-01-01 00:00 UTC). §6.1. */
#define FIXED_DATE (((2024 - 1980) << 9) | (1 << 5) | 1)
#define FIXED_TIME 0

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

const char *fat_strerror(int err)
{
    switch (err) {
    case FAT_OK: return "ok";
    case FAT_EIO: return "I/O error";
    case FAT_ENOENT: return "no such file or directory";
    case FAT_EEXIST: return "exists";
    case FAT_ENOSPC: return "no space left on the disk";
    case FAT_ENAME: return "not an 8.3 name (up to 8 characters, a dot, up to 3; letters, digits, _ - ~ ! # $ % & ( ) @)";
    case FAT_EISDIR: return "is a directory";
    case FAT_ENOTDIR: return "not a directory";
    case FAT_EDIRFULL: return "directory full";
    case FAT_EBADFS: return "not a FAT file system (or one this reader does not handle)";
    case FAT_ENOTMOUNTED: return "no FAT file system mounted";
    default: return "error";
    }
}

bool fat_mounted(void) { return mounted; }

/* ---- the FAT itself (§4) ---- */

static uint32_t eoc(void) { return fat.type == 12 ? 0xfff : fat.type == 16 ? 0xffff : 0x0fffffff; }
static bool is_eoc(uint32_t v) { return v >= (fat.type == 12 ? 0xff8U : fat.type == 16 ? 0xfff8U : 0x0ffffff8U); }
static bool valid_cluster(uint32_t c) { return c >= 2 && c < fat.clusters + 2; }

/* The byte at offset `off` of FAT copy `copy` (in the cache), NULL on an I/O error. */
static uint8_t *fat_byte(uint32_t copy, uint32_t off, uint64_t *sector)
{
    *sector = fat.fat_start + copy * fat.fat_sectors + off / BLK_SECTOR_SIZE;
    uint8_t *s = bcache_get(*sector);
    return s ? s + off % BLK_SECTOR_SIZE : NULL;
}

static int fat_get(uint32_t n, uint32_t *value)
{
    uint64_t sec;
    if (fat.type == 12) {
        /* 12-bit entries: entry n starts at byte n + n/2 and may straddle two sectors. */
        uint32_t off = n + n / 2;
        uint8_t *b0 = fat_byte(0, off, &sec);
        if (!b0)
            return FAT_EIO;
        uint8_t lo = *b0;
        uint8_t *b1 = fat_byte(0, off + 1, &sec);
        if (!b1)
            return FAT_EIO;
        uint32_t v = lo | (uint32_t)*b1 << 8;
        *value = n & 1 ? v >> 4 : v & 0xfff;
        return FAT_OK;
    }
    uint8_t *b = fat_byte(0, n * (fat.type == 16 ? 2 : 4), &sec);
    if (!b)
        return FAT_EIO;
    *value = fat.type == 16 ? le16(b) : le32(b) & 0x0fffffff;
    return FAT_OK;
}

/* Writes entry n in every FAT copy (§4: the copies are kept identical). */
static int fat_set(uint32_t n, uint32_t value)
{
    for (uint32_t copy = 0; copy < fat.fats; copy++) {
        uint64_t sec;
        if (fat.type == 12) {
            uint32_t off = n + n / 2;
            uint8_t *b0 = fat_byte(copy, off, &sec);
            if (!b0)
                return FAT_EIO;
            *b0 = n & 1 ? (uint8_t)((*b0 & 0x0f) | (value << 4 & 0xf0)) : (uint8_t)value;
            bcache_dirty(sec);
            uint8_t *b1 = fat_byte(copy, off + 1, &sec);
            if (!b1)
                return FAT_EIO;
            *b1 = n & 1 ? (uint8_t)(value >> 4) : (uint8_t)((*b1 & 0xf0) | (value >> 8 & 0x0f));
            bcache_dirty(sec);
        } else if (fat.type == 16) {
            uint8_t *b = fat_byte(copy, n * 2, &sec);
            if (!b)
                return FAT_EIO;
            b[0] = (uint8_t)value;
            b[1] = (uint8_t)(value >> 8);
            bcache_dirty(sec);
        } else {
            uint8_t *b = fat_byte(copy, n * 4, &sec);
            if (!b)
                return FAT_EIO;
            put32(b, (le32(b) & 0xf0000000) | (value & 0x0fffffff)); /* high 4 bits are reserved */
            bcache_dirty(sec);
        }
    }
    return FAT_OK;
}

/* FAT32 FSInfo (§5): after we change the FAT, its free count and hint are unknown. */
static int fsinfo_invalidate(void)
{
    if (fat.type != 32 || fat.fsinfo_sector == 0)
        return FAT_OK;
    uint8_t *s = bcache_get(fat.fsinfo_sector);
    if (!s)
        return FAT_EIO;
    if (le32(s) == 0x41615252 && le32(s + 484) == 0x61417272 && le32(s + 488) != 0xffffffff) {
        put32(s + 488, 0xffffffff);
        put32(s + 492, 0xffffffff);
        bcache_dirty(fat.fsinfo_sector);
    }
    return FAT_OK;
}

static int free_chain(uint32_t c)
{
    for (uint32_t steps = 0; valid_cluster(c) && steps <= fat.clusters; steps++) {
        uint32_t next;
        int r;
        if ((r = fat_get(c, &next)) || (r = fat_set(c, 0)))
            return r;
        if (c < alloc_hint)
            alloc_hint = c;
        c = next;
    }
    return fsinfo_invalidate();
}

/* A chain of `count` clusters, linked and ended; *first gets its head. */
static int alloc_chain(uint32_t count, uint32_t *first)
{
    uint32_t prev = 0, found = 0;
    *first = 0;
    for (uint32_t i = 0; i < fat.clusters && found < count; i++) {
        uint32_t c = 2 + (alloc_hint - 2 + i) % fat.clusters, v;
        int r;
        if ((r = fat_get(c, &v)))
            return r;
        if (v != 0)
            continue;
        if ((r = fat_set(c, eoc())))
            return r;
        if (prev && (r = fat_set(prev, c)))
            return r;
        if (!*first)
            *first = c;
        prev = c;
        found++;
    }
    if (found < count) {
        if (*first)
            free_chain(*first);
        return FAT_ENOSPC;
    }
    alloc_hint = prev + 1 < fat.clusters + 2 ? prev + 1 : 2;
    return fsinfo_invalidate();
}

static uint64_t cluster_sector(uint32_t c) { return fat.data_start + (uint64_t)(c - 2) * fat.sectors_per_cluster; }

/* ---- mounting (§3) ---- */

int fat_mount(void)
{
    mounted = false;
    uint8_t *b = bcache_get(0);
    if (!b)
        return FAT_EIO;
    /* §3.1: a boot sector ends in 55 AA and has a jump instruction in front. */
    if (b[510] != 0x55 || b[511] != 0xaa || (b[0] != 0xeb && b[0] != 0xe9))
        return FAT_EBADFS;
    uint32_t bytes_per_sector = le16(b + 11);
    fat.sectors_per_cluster = b[13];
    fat.reserved_sectors = le16(b + 14);
    fat.fats = b[16];
    fat.root_entries = le16(b + 17);
    fat.total_sectors = le16(b + 19) ? le16(b + 19) : le32(b + 32);
    fat.fat_sectors = le16(b + 22) ? le16(b + 22) : le32(b + 36);
    if (bytes_per_sector != BLK_SECTOR_SIZE || fat.sectors_per_cluster == 0 ||
        (fat.sectors_per_cluster & (fat.sectors_per_cluster - 1)) || fat.reserved_sectors == 0 || fat.fats == 0 ||
        fat.fat_sectors == 0 || fat.total_sectors == 0)
        return FAT_EBADFS;
    fat.root_sectors = (fat.root_entries * 32 + BLK_SECTOR_SIZE - 1) / BLK_SECTOR_SIZE;
    fat.fat_start = fat.reserved_sectors;
    fat.root_start = fat.fat_start + fat.fats * fat.fat_sectors;
    fat.data_start = fat.root_start + fat.root_sectors;
    if (fat.data_start >= fat.total_sectors)
        return FAT_EBADFS;
    fat.clusters = (fat.total_sectors - fat.data_start) / fat.sectors_per_cluster;
    /* §3.5: the type is decided by the count of clusters, nothing else. */
    fat.type = fat.clusters < 4085 ? 12 : fat.clusters < 65525 ? 16 : 32;
    const uint8_t *ext = b + (fat.type == 32 ? 64 : 36); /* drive number, reserved, boot sig, id, label */
    fat.root_cluster = fat.type == 32 ? le32(b + 44) : 0;
    fat.fsinfo_sector = fat.type == 32 ? le16(b + 48) : 0;
    if (fat.type == 32 && (fat.root_entries != 0 || !valid_cluster(fat.root_cluster)))
        return FAT_EBADFS;
    if (ext[2] == 0x29) {
        fat.volume_id = le32(ext + 3);
        memcpy(fat.label, ext + 7, 11);
        fat.label[11] = '\0';
        for (int i = 10; i >= 0 && fat.label[i] == ' '; i--)
            fat.label[i] = '\0';
    } else {
        fat.volume_id = 0;
        fat.label[0] = '\0';
    }
    mounted = true;
    return FAT_OK;
}

/* ---- directories (§6, §7 for long names) ---- */

/* Where an entry lives. */
struct dirpos {
    uint64_t sector;
    unsigned index;
};

struct dir_iter {
    uint32_t first;      /* directory's first cluster, 0 = FAT12/16 fixed root */
    uint32_t cluster;    /* current cluster (chained directories) */
    uint32_t nsector;    /* sectors of the directory visited so far */
    unsigned index;      /* next entry within the current sector */
    uint64_t sector;
    /* The long name being collected for the short entry that ends it (§7). */
    char lfn[256];
    uint8_t lfn_sum;
    int lfn_next;        /* sequence number expected next, 0 = none in progress */
    struct dirpos lfn_pos[20];
    int lfn_count;
};

static void iter_start(struct dir_iter *it, uint32_t first)
{
    memset(it, 0, sizeof(*it));
    it->first = first;
    it->cluster = first;
    it->sector = first ? cluster_sector(first) : fat.root_start;
}

/* The next raw entry; NULL with *err = FAT_OK at the end of the directory's storage. */
static struct dirent *iter_next(struct dir_iter *it, struct dirpos *pos, int *err)
{
    *err = FAT_OK;
    if (it->index == ENTRIES_PER_SECTOR) {
        it->index = 0;
        it->nsector++;
        if (it->first == 0) {
            if (it->nsector >= fat.root_sectors)
                return NULL;
            it->sector = fat.root_start + it->nsector;
        } else if (it->nsector % fat.sectors_per_cluster == 0) {
            uint32_t next;
            if ((*err = fat_get(it->cluster, &next)))
                return NULL;
            if (is_eoc(next) || !valid_cluster(next))
                return NULL;
            it->cluster = next;
            it->sector = cluster_sector(next);
        } else {
            it->sector++;
        }
    }
    uint8_t *s = bcache_get(it->sector);
    if (!s) {
        *err = FAT_EIO;
        return NULL;
    }
    pos->sector = it->sector;
    pos->index = it->index;
    return (struct dirent *)(s + 32 * it->index++);
}

static uint8_t short_sum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name[i]); /* §7.2 */
    return sum;
}

/* Feeds a long-name entry to the iterator's collector. */
static void collect_lfn(struct dir_iter *it, const uint8_t *e, struct dirpos pos)
{
    int seq = e[0] & 0x1f;
    if (e[0] & 0x40) { /* the last part comes first on disk */
        memset(it->lfn, 0, sizeof(it->lfn));
        it->lfn_sum = e[13];
        it->lfn_next = seq;
        it->lfn_count = 0;
    }
    if (seq == 0 || seq != it->lfn_next || e[13] != it->lfn_sum || seq > 19) {
        it->lfn_next = 0;
        return;
    }
    static const uint8_t offs[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
    for (int i = 0; i < 13; i++) {
        uint16_t ch = le16(e + offs[i]);
        int at = (seq - 1) * 13 + i;
        if (at < 255)
            it->lfn[at] = ch == 0 || ch == 0xffff ? '\0' : ch < 128 ? (char)ch : '?';
    }
    if (it->lfn_count < 20)
        it->lfn_pos[it->lfn_count++] = pos;
    it->lfn_next = seq - 1;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }
static char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }

static bool same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        if (lower(*a) != lower(*b))
            return false;
    }
    return *a == *b;
}

/* "README  TXT" -> "README.TXT", lower-cased as the NT bits say. */
static void short_to_text(const struct dirent *d, char *out)
{
    int n = 0;
    for (int i = 0; i < 8 && d->name[i] != ' '; i++) {
        char c = (char)(i == 0 && d->name[0] == 0x05 ? 0xe5 : d->name[i]);
        out[n++] = d->ntres & NT_LOWER_BASE ? lower(c) : c;
    }
    if (d->name[8] != ' ') {
        out[n++] = '.';
        for (int i = 8; i < 11 && d->name[i] != ' '; i++)
            out[n++] = d->ntres & NT_LOWER_EXT ? lower((char)d->name[i]) : (char)d->name[i];
    }
    out[n] = '\0';
}

static bool valid_83_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_-~!#$%&()@", c);
}

/* "hello.txt" -> "HELLO   TXT" and the NT case bits that give back the typed case (a
 * mixed-case part cannot be kept and is refused). */
static int text_to_short(const char *name, uint8_t out[11], uint8_t *ntres)
{
    memset(out, ' ', 11);
    *ntres = 0;
    const char *dot = NULL;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (dot)
                return FAT_ENAME;
            dot = p;
        } else if (!valid_83_char(*p)) {
            return FAT_ENAME;
        }
    }
    size_t base = dot ? (size_t)(dot - name) : strlen(name);
    size_t ext = dot ? strlen(dot + 1) : 0;
    if (base == 0 || base > 8 || ext > 3 || (dot && ext == 0))
        return FAT_ENAME;
    for (int part = 0; part < 2; part++) {
        const char *s = part ? (dot ? dot + 1 : "") : name;
        size_t len = part ? ext : base;
        bool has_lower = false, has_upper = false;
        for (size_t i = 0; i < len; i++) {
            has_lower |= s[i] >= 'a' && s[i] <= 'z';
            has_upper |= s[i] >= 'A' && s[i] <= 'Z';
            out[(part ? 8 : 0) + i] = (uint8_t)upper(s[i]);
        }
        if (has_lower && has_upper)
            return FAT_ENAME;
        if (has_lower)
            *ntres |= part ? NT_LOWER_EXT : NT_LOWER_BASE;
    }
    return FAT_OK;
}

struct found {
    struct dirent entry;   /* a copy */
    struct dirpos pos;
    struct dirpos lfn_pos[20];
    int lfn_count;
    char name[256];
};

/* Visits the live entries of a directory: fn returns true to stop. */
static int dir_walk(uint32_t first, bool (*fn)(struct found *f, void *ctx), void *ctx)
{
    struct dir_iter it;
    struct found f;
    struct dirpos pos;
    int err;
    iter_start(&it, first);
    for (;;) {
        struct dirent *d = iter_next(&it, &pos, &err);
        if (d == NULL || d->name[0] == 0x00) /* §6.1: 0 = this and every later entry free */
            return err;
        if (d->name[0] == ENTRY_FREE) {
            it.lfn_next = 0;
            continue;
        }
        if ((d->attr & 0x3f) == ATTR_LONG_NAME) {
            collect_lfn(&it, (const uint8_t *)d, pos);
            continue;
        }
        bool lfn_ok = it.lfn_next == 0 && it.lfn_count > 0 && it.lfn_sum == short_sum(d->name);
        if (d->attr & ATTR_VOLUME_ID) {
            it.lfn_count = 0;
            continue;
        }
        f.entry = *d;
        f.pos = pos;
        f.lfn_count = lfn_ok ? it.lfn_count : 0;
        memcpy(f.lfn_pos, it.lfn_pos, sizeof(f.lfn_pos));
        if (lfn_ok)
            memcpy(f.name, it.lfn, sizeof(f.name));
        else
            short_to_text(d, f.name);
        it.lfn_count = 0;
        it.lfn_next = 0;
        if (fn(&f, ctx))
            return FAT_OK;
    }
}

static uint32_t entry_cluster(const struct dirent *d)
{
    return (fat.type == 32 ? (uint32_t)d->clus_hi << 16 : 0) | d->clus_lo;
}

struct lookup {
    const char *name;
    size_t len;
    struct found *out;
    bool hit;
};

static bool match(struct found *f, void *ctx)
{
    struct lookup *l = ctx;
    char want[256];
    if (l->len >= sizeof(want))
        return false;
    memcpy(want, l->name, l->len);
    want[l->len] = '\0';
    char shortname[13];
    short_to_text(&f->entry, shortname);
    if (same_name(f->name, want) || same_name(shortname, want)) {
        *l->out = *f;
        l->hit = true;
        return true;
    }
    return false;
}

/* Finds `path`'s parent directory (its first cluster, 0 = fixed root) and, if present,
 * the entry itself. *leaf points at the last component. */
static int resolve(const char *path, uint32_t *parent, const char **leaf, struct found *f, bool *exists)
{
    if (!mounted)
        return FAT_ENOTMOUNTED;
    uint32_t dir = fat.type == 32 ? fat.root_cluster : 0;
    *exists = false;
    while (*path == '/')
        path++;
    *leaf = path;
    *parent = dir;
    if (*path == '\0') { /* the root itself */
        *exists = true;
        memset(f, 0, sizeof(*f));
        f->entry.attr = ATTR_DIRECTORY;
        f->entry.clus_lo = (uint16_t)dir;
        f->entry.clus_hi = (uint16_t)(dir >> 16);
        strcpy(f->name, "/");
        return FAT_OK;
    }
    for (;;) {
        const char *end = path;
        while (*end && *end != '/')
            end++;
        const char *next = end;
        while (*next == '/')
            next++;
        *leaf = path;
        *parent = dir;
        struct lookup l = { path, (size_t)(end - path), f, false };
        int err = dir_walk(dir, match, &l);
        if (err)
            return err;
        if (*next == '\0') {
            *exists = l.hit;
            return FAT_OK;
        }
        if (!l.hit)
            return FAT_ENOENT;
        if (!(f->entry.attr & ATTR_DIRECTORY))
            return FAT_ENOTDIR;
        dir = entry_cluster(&f->entry);
        if (dir == 0 && fat.type == 32)
            dir = fat.root_cluster; /* ".." of a first-level directory (§6.7) */
        path = next;
    }
}

/* ---- the operations ---- */

struct list_ctx {
    void (*fn)(const struct fat_entry *e, void *ctx);
    void *ctx;
};

static bool list_one(struct found *f, void *ctx)
{
    struct list_ctx *l = ctx;
    static struct fat_entry e;
    memcpy(e.name, f->name, sizeof(e.name));
    e.dir = (f->entry.attr & ATTR_DIRECTORY) != 0;
    e.size = f->entry.size;
    e.cluster = entry_cluster(&f->entry);
    l->fn(&e, l->ctx);
    return false;
}

int fat_list(const char *path, void (*fn)(const struct fat_entry *e, void *ctx), void *ctx)
{
    uint32_t parent;
    const char *leaf;
    struct found f;
    bool exists;
    int err = resolve(path, &parent, &leaf, &f, &exists);
    if (err)
        return err;
    if (!exists)
        return FAT_ENOENT;
    if (!(f.entry.attr & ATTR_DIRECTORY))
        return FAT_ENOTDIR;
    uint32_t first = entry_cluster(&f.entry);
    if (first == 0 && fat.type == 32)
        first = fat.root_cluster;
    struct list_ctx l = { fn, ctx };
    return dir_walk(first, list_one, &l);
}

int fat_read(const char *path, void (*fn)(const uint8_t *data, uint32_t len, void *ctx), void *ctx)
{
    uint32_t parent;
    const char *leaf;
    struct found f;
    bool exists;
    int err = resolve(path, &parent, &leaf, &f, &exists);
    if (err)
        return err;
    if (!exists)
        return FAT_ENOENT;
    if (f.entry.attr & ATTR_DIRECTORY)
        return FAT_EISDIR;
    uint32_t left = f.entry.size, c = entry_cluster(&f.entry);
    while (left > 0) {
        if (!valid_cluster(c))
            return FAT_EBADFS; /* the chain ends before the size says */
        for (uint32_t i = 0; i < fat.sectors_per_cluster && left > 0; i++) {
            uint8_t *s = bcache_get(cluster_sector(c) + i);
            if (!s)
                return FAT_EIO;
            uint32_t n = left < BLK_SECTOR_SIZE ? left : BLK_SECTOR_SIZE;
            fn(s, n, ctx);
            left -= n;
        }
        if (left > 0 && (err = fat_get(c, &c)))
            return err;
    }
    return FAT_OK;
}

/* A free slot in directory `dir` (§6.1: 0xE5 or 0x00). */
struct free_slot {
    struct dirpos pos;
    bool found;
};

static int find_free_slot(uint32_t dir, struct dirpos *out)
{
    struct dir_iter it;
    struct dirpos pos;
    int err;
    iter_start(&it, dir);
    for (;;) {
        struct dirent *d = iter_next(&it, &pos, &err);
        if (d == NULL)
            return err ? err : FAT_EDIRFULL; /* growing a directory is left out */
        if (d->name[0] == 0x00 || d->name[0] == ENTRY_FREE) {
            *out = pos;
            return FAT_OK;
        }
    }
}

static struct dirent *entry_at(struct dirpos pos)
{
    uint8_t *s = bcache_get(pos.sector);
    return s ? (struct dirent *)(s + 32 * pos.index) : NULL;
}

static int finish(int err)
{
    if (err) {
        bcache_drop(); /* forget half-made changes: the disk is the truth */
        return err;
    }
    return bcache_sync() ? FAT_OK : FAT_EIO;
}

int fat_write(const char *path, const void *data, uint32_t len)
{
    uint32_t parent;
    const char *leaf;
    struct found f;
    bool exists;
    int err = resolve(path, &parent, &leaf, &f, &exists);
    if (err)
        return err;
    struct dirpos pos;
    uint8_t name[11], ntres;
    if (exists) {
        if (f.entry.attr & ATTR_DIRECTORY)
            return FAT_EISDIR;
        pos = f.pos;
        memcpy(name, f.entry.name, 11);
        ntres = f.entry.ntres;
    } else {
        if (strchr(leaf, '/'))
            return FAT_ENOENT;
        if ((err = text_to_short(leaf, name, &ntres)))
            return err;
        if ((err = find_free_slot(parent, &pos)))
            return err;
    }
    /* Data first, then the FAT, then the directory entry (§4, §6). */
    uint32_t bytes_per_cluster = fat.sectors_per_cluster * BLK_SECTOR_SIZE;
    uint32_t count = (len + bytes_per_cluster - 1) / bytes_per_cluster, first = 0;
    if (exists && (err = free_chain(entry_cluster(&f.entry))))
        return finish(err);
    if (count && (err = alloc_chain(count, &first)))
        return finish(err);
    const uint8_t *src = data;
    uint32_t done = 0;
    for (uint32_t c = first; done < len;) {
        for (uint32_t i = 0; i < fat.sectors_per_cluster && done < len; i++) {
            uint64_t sec = cluster_sector(c) + i;
            uint8_t *s = bcache_get(sec);
            if (!s)
                return finish(FAT_EIO);
            uint32_t n = len - done < BLK_SECTOR_SIZE ? len - done : BLK_SECTOR_SIZE;
            memset(s, 0, BLK_SECTOR_SIZE);
            memcpy(s, src + done, n);
            bcache_dirty(sec);
            done += n;
        }
        if (done < len && (err = fat_get(c, &c)))
            return finish(err);
    }
    struct dirent *d = entry_at(pos);
    if (!d)
        return finish(FAT_EIO);
    if (!exists) {
        memset(d, 0, sizeof(*d));
        memcpy(d->name, name, 11);
        d->ntres = ntres;
        d->attr = ATTR_ARCHIVE;
        d->crt_time = FIXED_TIME;
        d->crt_date = FIXED_DATE;
    }
    d->acc_date = FIXED_DATE;
    d->wrt_time = FIXED_TIME;
    d->wrt_date = FIXED_DATE;
    d->clus_lo = (uint16_t)first;
    d->clus_hi = (uint16_t)(first >> 16);
    d->size = len;
    bcache_dirty(pos.sector);
    return finish(FAT_OK);
}

int fat_remove(const char *path)
{
    uint32_t parent;
    const char *leaf;
    struct found f;
    bool exists;
    int err = resolve(path, &parent, &leaf, &f, &exists);
    if (err)
        return err;
    if (!exists)
        return FAT_ENOENT;
    if (f.entry.attr & ATTR_DIRECTORY)
        return FAT_EISDIR;
    if ((err = free_chain(entry_cluster(&f.entry))))
        return finish(err);
    /* §6.1: mark the entry (and its long-name entries, §7) free. */
    for (int i = 0; i <= f.lfn_count; i++) {
        struct dirpos p = i < f.lfn_count ? f.lfn_pos[i] : f.pos;
        struct dirent *d = entry_at(p);
        if (!d)
            return finish(FAT_EIO);
        d->name[0] = ENTRY_FREE;
        bcache_dirty(p.sector);
    }
    return finish(FAT_OK);
}

int fat_free_clusters(uint32_t *count)
{
    if (!mounted)
        return FAT_ENOTMOUNTED;
    *count = 0;
    for (uint32_t c = 2; c < fat.clusters + 2; c++) {
        uint32_t v;
        int err = fat_get(c, &v);
        if (err)
            return err;
        if (v == 0)
            (*count)++;
    }
    return FAT_OK;
}
