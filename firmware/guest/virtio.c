/* virtio-mmio transport and split virtqueue: see virtio.h. Every address given to the
 * device is physical and comes from the hal (hal.h); the kernel itself runs at virtual
 * addresses (mm.h). */
#include "virtio.h"

#include "hal.h"
#include "mm.h"
#include "riscv.h"

#define LEGACY_PAGE_SIZE 4096U
#define LEGACY_QUEUE_ALIGN 4096U

uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off) { return mmio_read32(dev->base + off); }

void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t value)
{
    mmio_write32(dev->base + off, value);
}

uint32_t virtio_status(const struct virtio_dev *dev) { return virtio_read32(dev, VIRTIO_MMIO_STATUS); }

bool virtio_is_legacy(const struct virtio_dev *dev) { return dev->version == 1; }

static void set_status(struct virtio_dev *dev, uint32_t bits)
{
    virtio_write32(dev, VIRTIO_MMIO_STATUS, virtio_status(dev) | bits);
}

void virtio_fail(struct virtio_dev *dev) { set_status(dev, VIRTIO_STATUS_FAILED); }

bool virtio_probe_header(struct virtio_dev *dev, uint64_t base_pa, uint32_t irq, const char **why)
{
    dev->base_pa = base_pa;
    dev->base = (uintptr_t)phys_to_virt(base_pa);
    dev->irq = irq;
    if (dev->base == 0) {
        *why = "registers not mapped";
        return false;
    }
    /* §4.2.3.1: check MagicValue and Version first, then DeviceID. */
    uint32_t magic = virtio_read32(dev, VIRTIO_MMIO_MAGIC);
    if (magic != VIRTIO_MMIO_MAGIC_VALUE) {
        *why = "bad MagicValue";
        return false;
    }
    dev->version = virtio_read32(dev, VIRTIO_MMIO_VERSION);
    if (dev->version != 1 && dev->version != 2) {
        *why = "unsupported Version";
        return false;
    }
    dev->device_id = virtio_read32(dev, VIRTIO_MMIO_DEVICE_ID);
    /* A DeviceID of 0 is an empty slot: no other register may be touched. */
    dev->vendor_id = dev->device_id ? virtio_read32(dev, VIRTIO_MMIO_VENDOR_ID) : 0;
    return true;
}

bool virtio_negotiate(struct virtio_dev *dev, uint64_t supported, const char **why)
{
    /* §3.1.1 steps 1-3: reset (and wait until it reads back 0, §2.4.2), then
     * ACKNOWLEDGE and DRIVER. */
    virtio_write32(dev, VIRTIO_MMIO_STATUS, 0);
    for (int i = 0; virtio_status(dev) != 0; i++) {
        if (i == 1000000) {
            *why = "device did not reset (Status stays non-zero)";
            return false;
        }
    }
    set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(dev, VIRTIO_STATUS_DRIVER);

    /* Step 4: read the device features (select before read, §4.2.2.2). A legacy device
     * has only 32 feature bits (§4.2.4: HostFeatures). */
    virtio_write32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = virtio_read32(dev, VIRTIO_MMIO_DEVICE_FEATURES);
    if (!virtio_is_legacy(dev)) {
        virtio_write32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        offered |= (uint64_t)virtio_read32(dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    }
    dev->features_offered = offered;
    if (virtio_is_legacy(dev))
        supported &= 0xffffffffULL & ~(1ULL << VIRTIO_F_VERSION_1);
    else if (!(offered & (1ULL << VIRTIO_F_VERSION_1))) {
        /* A non-legacy device must offer VERSION_1 (§6.2). */
        virtio_fail(dev);
        *why = "modern device does not offer VIRTIO_F_VERSION_1";
        return false;
    }
    dev->features = offered & supported;
    virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)dev->features);
    if (!virtio_is_legacy(dev)) {
        virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(dev->features >> 32));
        /* Steps 5-6: FEATURES_OK, then read it back: the device clears it if it
         * cannot work with our subset. Legacy devices have no FEATURES_OK. */
        set_status(dev, VIRTIO_STATUS_FEATURES_OK);
        if (!(virtio_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
            virtio_fail(dev);
            *why = "device did not accept the features (FEATURES_OK not set)";
            return false;
        }
    } else {
        /* §4.2.4: the guest page size must be set before any queue is configured;
         * QueuePFN is counted in these pages. */
        virtio_write32(dev, VIRTIO_MMIO_LEGACY_GUEST_PAGE_SIZE, LEGACY_PAGE_SIZE);
    }
    return true;
}

static uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) & ~(a - 1); }

bool virtio_setup_queue(struct virtio_dev *dev, uint16_t max_size, const char **why)
{
    struct virtq *vq = &dev->vq;
    virtio_write32(dev, VIRTIO_MMIO_QUEUE_SEL, 0);
    /* The queue must not be in use yet (§4.2.3.2 step 2, §4.2.4 step 2). */
    uint32_t in_use = virtio_read32(dev, virtio_is_legacy(dev) ? VIRTIO_MMIO_LEGACY_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY);
    if (in_use != 0) {
        *why = "queue 0 already in use";
        return false;
    }
    uint32_t max = virtio_read32(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0) {
        *why = "queue 0 not available (QueueNumMax = 0)";
        return false;
    }
    uint32_t limit = max < max_size ? max : max_size;
    uint16_t num = 1;
    while ((uint32_t)num * 2 <= limit)
        num = (uint16_t)(num * 2);

    /* Layout. Modern: three areas, each at its own alignment (desc 16, avail 2,
     * used 4: §2.7), here packed into one frame. Legacy: one contiguous area with the
     * used ring at the next QueueAlign boundary (§2.7.2, §4.2.4). */
    uint32_t desc_bytes = 16U * num;
    uint32_t avail_bytes = 6U + 2U * num;
    uint32_t used_bytes = 6U + 8U * num;
    uint32_t used_off = virtio_is_legacy(dev) ? align_up(desc_bytes + avail_bytes, LEGACY_QUEUE_ALIGN)
                                              : align_up(desc_bytes + avail_bytes, 4);
    uint32_t total = virtio_is_legacy(dev) ? used_off + align_up(used_bytes, LEGACY_QUEUE_ALIGN) : used_off + used_bytes;
    vq->mem_frames = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    vq->mem = dma_alloc(vq->mem_frames, &vq->mem_pa);
    if (vq->mem == NULL) {
        *why = "out of memory for the virtqueue";
        return false;
    }
    uint8_t *m = vq->mem;
    vq->num = num;
    vq->desc = (struct virtq_desc *)m;
    vq->avail = (struct virtq_avail *)(m + desc_bytes);
    vq->used = (volatile struct virtq_used *)(m + used_off);
    for (uint16_t i = 0; i < num; i++)
        vq->desc[i].next = (uint16_t)(i + 1);
    vq->free_head = 0;
    vq->num_free = num;
    vq->last_used = 0;
    vq->avail_idx = 0;

    virtio_write32(dev, VIRTIO_MMIO_QUEUE_NUM, num);
    if (virtio_is_legacy(dev)) {
        virtio_write32(dev, VIRTIO_MMIO_LEGACY_QUEUE_ALIGN, LEGACY_QUEUE_ALIGN);
        virtio_write32(dev, VIRTIO_MMIO_LEGACY_QUEUE_PFN, (uint32_t)(vq->mem_pa / LEGACY_PAGE_SIZE));
    } else {
        /* dma_alloc gave one contiguous run, so each area's physical address is the
         * run's plus the same offset as in the kernel's view. */
        uint64_t d = vq->mem_pa, a = vq->mem_pa + desc_bytes, u = vq->mem_pa + used_off;
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_READY, 1);
    }
    return true;
}

bool virtio_driver_ok(struct virtio_dev *dev)
{
    set_status(dev, VIRTIO_STATUS_DRIVER_OK);
    uint32_t s = virtio_status(dev);
    return (s & VIRTIO_STATUS_DRIVER_OK) && !(s & (VIRTIO_STATUS_DEVICE_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

int virtq_submit(struct virtio_dev *dev, const struct virtq_buf *bufs, unsigned n)
{
    struct virtq *vq = &dev->vq;
    if (n == 0 || n > vq->num_free)
        return -1;
    /* Take n descriptors off the free list; they are already linked through .next
     * in free-list order, so only addr/len/flags need filling in (§2.7.5). */
    uint16_t head = vq->free_head;
    uint16_t idx = head;
    for (unsigned i = 0; i < n; i++) {
        struct virtq_desc *d = &vq->desc[idx];
        d->addr = bufs[i].pa;
        d->len = bufs[i].len;
        d->flags = (uint16_t)((bufs[i].device_writes ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        idx = d->next;
    }
    vq->free_head = idx;
    vq->num_free = (uint16_t)(vq->num_free - n);

    /* §2.7.13: place the head in the available ring, then publish it with a write
     * barrier before the idx update, then a full barrier before checking whether the
     * device wants a notification (§2.7.10: honour VIRTQ_USED_F_NO_NOTIFY). */
    vq->avail->ring[vq->avail_idx % vq->num] = head;
    wmb();
    vq->avail_idx++;
    *(volatile uint16_t *)&vq->avail->idx = vq->avail_idx;
    mb();
    if (!(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY))
        virtio_write32(dev, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    return head;
}

/* Returns the chain starting at `head` to the free list. */
static void free_chain(struct virtq *vq, uint16_t head)
{
    uint16_t tail = head;
    uint16_t count = 1;
    while ((vq->desc[tail].flags & VIRTQ_DESC_F_NEXT) && count < vq->num) {
        tail = vq->desc[tail].next;
        count++;
    }
    vq->desc[tail].next = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + count);
}

bool virtio_handle_interrupt(struct virtio_dev *dev, virtq_complete_fn complete)
{
    struct virtq *vq = &dev->vq;
    /* §4.2.3.4: read InterruptStatus, acknowledge what we handle. Acknowledging
     * before harvesting means a completion that lands meanwhile raises a new
     * interrupt instead of being lost. */
    uint32_t isr = virtio_read32(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
    virtio_write32(dev, VIRTIO_MMIO_INTERRUPT_ACK, isr & (VIRTIO_INT_USED_BUFFER | VIRTIO_INT_CONFIG_CHANGE));
    dev->interrupts++;
    if (isr & VIRTIO_INT_CONFIG_CHANGE)
        dev->config_changes++;
    /* Only used buffers count as work: a status bit that stays set without anything to
     * harvest (e.g. an acknowledge that does not take effect) must look empty to the
     * storm check in trap.c. */
    bool work = false;
    if (vq->num == 0)
        return work;
    /* §2.7.14: consume used elements up to used->idx; read barrier between the index
     * and the elements it publishes. */
    for (;;) {
        uint16_t used_idx = vq->used->idx;
        if (used_idx == vq->last_used)
            break;
        rmb();
        work = true;
        volatile struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->num];
        uint32_t id = e->id, len = e->len;
        vq->last_used++;
        if (id >= vq->num || !complete(dev, (uint16_t)id, len)) {
            dev->protocol_errors++;
            continue;
        }
        free_chain(vq, (uint16_t)id);
    }
    return work;
}
