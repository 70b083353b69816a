namespace RvEmu.Devices.Virtio;

/// <summary>Device status bits (virtio 1.2 §2.1).</summary>
[Flags]
public enum VirtioStatus : byte
{
    None = 0,
    Acknowledge = 1,
    Driver = 2,
    DriverOk = 4,
    FeaturesOk = 8,
    DeviceNeedsReset = 64,
    Failed = 128,
}

/// <summary>Constants shared by the virtio transport, the virtqueue walker and the devices.</summary>
public static class VirtioConstants
{
    /// <summary>"virt" in little endian (§4.2.2 MagicValue).</summary>
    public const uint Magic = 0x74726976;

    /// <summary>"QEMU": the vendor id QEMU reports and guests such as xv6 check.</summary>
    public const uint VendorQemu = 0x554d4551;

    /// <summary>Version register: 1 for the legacy interface (§4.2.4), 2 for the modern one (§4.2.2).</summary>
    public const uint VersionLegacy = 1, VersionModern = 2;

    // Reserved feature bits (§6), as bit masks.
    public const ulong FeatureIndirectDesc = 1UL << 28;
    public const ulong FeatureEventIdx = 1UL << 29;
    public const ulong FeatureVersion1 = 1UL << 32;

    /// <summary>InterruptStatus bits (§4.2.2): a used buffer notification and a configuration change notification.</summary>
    public const uint InterruptUsedBuffer = 1, InterruptConfigChange = 2;

    // Descriptor flags (§2.7.5).
    public const ushort DescNext = 1, DescWrite = 2, DescIndirect = 4;

    /// <summary>Available ring flag (§2.7.6): the driver asks for no used buffer notifications.</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>Device ids (§5).</summary>
    public const uint DeviceIdBlock = 2;
}
