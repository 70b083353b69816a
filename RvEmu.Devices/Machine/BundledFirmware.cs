using System.Reflection;

namespace RvEmu.Devices.Machine;

/// <summary>
/// Binaries built from firmware/ and embedded in RvEmu: the default SBI firmware (what
/// <c>-bios default</c> is to QEMU), the bundled S-mode guest, and its disk image.
/// </summary>
public static class BundledFirmware
{
    /// <summary>RvEmu's own SBI firmware (firmware/sbi/sbi.bin), a raw image for the DRAM base.</summary>
    public static byte[] Sbi => Read("bundled/sbi.bin");

    /// <summary>The bundled guest kernel (firmware/guest/guest.elf), an S-mode ELF at 0x8020_0000.</summary>
    public static byte[] GuestElf => Read("bundled/guest.elf");

    /// <summary>The bundled disk image (firmware/guest/disk.img).</summary>
    public static byte[] Disk => Read("bundled/disk.img");

    private static byte[] Read(string name)
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing from the build");
        var data = new byte[s.Length];
        s.ReadExactly(data);
        return data;
    }
}
