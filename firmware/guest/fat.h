/* A FAT12/16/32 file system (Microsoft "FAT: General Overview of On-Disk Format", v1.03,
 * "fatgen103") on the block cache: mount, list, read, write (create or replace) and
 * remove files with 8.3 names; long names (VFAT) are shown and matched but never made. */
#ifndef GUEST_FAT_H
#define GUEST_FAT_H

#include <stdbool.h>
#include <stdint.h>

/* Errors (negative return values). */
#define FAT_OK 0
#define FAT_EIO (-1)      /* a disk request failed: bcache_last_status says how */
#define FAT_ENOENT (-2)
#define FAT_EEXIST (-3)
#define FAT_ENOSPC (-4)
#define FAT_ENAME (-5)
#define FAT_EISDIR (-6)
#define FAT_ENOTDIR (-7)
#define FAT_EDIRFULL (-8)
#define FAT_EBADFS (-9)
#define FAT_ENOTMOUNTED (-10)

struct fat_info {
    int type;                 /* 12, 16 or 32 */
    uint32_t sectors_per_cluster;
    uint32_t reserved_sectors;
    uint32_t fats;
    uint32_t fat_sectors;     /* per FAT */
    uint32_t root_entries;    /* FAT12/16 fixed root directory */
    uint32_t total_sectors;
    uint32_t fat_start;       /* first sector of FAT #0 */
    uint32_t root_start;      /* FAT12/16: first sector of the root directory */
    uint32_t root_sectors;
    uint32_t data_start;      /* first sector of cluster 2 */
    uint32_t clusters;        /* data clusters: 2 .. clusters + 1 */
    uint32_t root_cluster;    /* FAT32 */
    uint32_t fsinfo_sector;   /* FAT32, 0 if none */
    uint32_t volume_id;
    char label[12];
};

struct fat_entry {
    char name[256];
    bool dir;
    uint32_t size;
    uint32_t cluster;
};

extern struct fat_info fat;

/* Reads the boot sector of the cached device. */
int fat_mount(void);
bool fat_mounted(void);
const char *fat_strerror(int err);
/* Calls fn for each entry of the directory at `path` ("" or "/" = root). */
int fat_list(const char *path, void (*fn)(const struct fat_entry *e, void *ctx), void *ctx);
/* Streams the file's bytes to fn in pieces of at most 512. */
int fat_read(const char *path, void (*fn)(const uint8_t *data, uint32_t len, void *ctx), void *ctx);
/* Creates `path` (8.3 name; its directory must exist) or replaces its contents. */
int fat_write(const char *path, const void *data, uint32_t len);
int fat_remove(const char *path);
/* Free clusters (counted from the FAT). */
int fat_free_clusters(uint32_t *count);

#endif
