namespace RvEmu.Devices.Virtio;

/// <summary>
/// virtio-mmio control registers, offsets from the slot base (virtio 1.2 §4.2.2 table "MMIO Device
/// Register Layout"; the legacy-only ones from §4.2.4). All are 32 bits wide; the device-specific
/// configuration space starts at <see cref="Config"/>.
/// </summary>
public enum VirtioMmioRegister : ulong
{
    MagicValue = 0x000,
    Version = 0x004,
    DeviceId = 0x008,
    VendorId = 0x00c,
    DeviceFeatures = 0x010,
    DeviceFeaturesSel = 0x014,
    DriverFeatures = 0x020,
    DriverFeaturesSel = 0x024,
    /// <summary>Legacy only (§4.2.4).</summary>
    GuestPageSize = 0x028,
    QueueSel = 0x030,
    QueueNumMax = 0x034,
    QueueNum = 0x038,
    /// <summary>Legacy only (§4.2.4).</summary>
    QueueAlign = 0x03c,
    /// <summary>Legacy only (§4.2.4).</summary>
    QueuePfn = 0x040,
    /// <summary>Modern only.</summary>
    QueueReady = 0x044,
    QueueNotify = 0x050,
    InterruptStatus = 0x060,
    InterruptAck = 0x064,
    Status = 0x070,
    QueueDescLow = 0x080,
    QueueDescHigh = 0x084,
    QueueDriverLow = 0x090,
    QueueDriverHigh = 0x094,
    QueueDeviceLow = 0x0a0,
    QueueDeviceHigh = 0x0a4,
    ShmSel = 0x0ac,
    ShmLenLow = 0x0b0,
    ShmLenHigh = 0x0b4,
    ShmBaseLow = 0x0b8,
    ShmBaseHigh = 0x0bc,
    QueueReset = 0x0c0,
    ConfigGeneration = 0x0fc,
    Config = 0x100,
}
