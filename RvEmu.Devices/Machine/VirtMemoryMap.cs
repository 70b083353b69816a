namespace RvEmu.Devices.Machine;

/// <summary>
/// QEMU's <c>virt</c> board memory map and interrupt numbers (QEMU 7.2 hw/riscv/virt.c; see
/// shared/design/virt-machine.md). The single source for both the bus wiring and the device tree,
/// so the two cannot disagree.
/// </summary>
public static class VirtMemoryMap
{
    public const ulong BootRomBase = 0x0000_1000, BootRomSize = 0x0000_f000;
    public const ulong TestBase = 0x0010_0000, TestSize = 0x1000;
    public const ulong RtcBase = 0x0010_1000, RtcSize = 0x1000;
    public const ulong ClintBase = 0x0200_0000, ClintSize = 0x1_0000;
    public const ulong PlicBase = 0x0c00_0000, PlicSize = 0x60_0000;
    public const ulong UartBase = 0x1000_0000, UartSize = 0x100;
    public const ulong VirtioBase = 0x1000_1000, VirtioStride = 0x1000, VirtioSize = 0x1000;
    public const int VirtioSlots = 8;
    public const ulong DramBase = 0x8000_0000;
    public const ulong DefaultDramSize = 128UL << 20;

    /// <summary>Where a kernel goes when firmware occupies the start of DRAM (OpenSBI's FW_JUMP_ADDR / next_addr).</summary>
    public const ulong KernelBase = 0x8020_0000;

    /// <summary>UART clock, for the device tree's clock-frequency.</summary>
    public const uint UartClockHz = 3_686_400;

    /// <summary>mtime frequency (timebase-frequency).</summary>
    public const uint TimebaseHz = 10_000_000;

    // PLIC interrupt sources.
    public const int UartIrq = 10;
    public const int RtcIrq = 11;
    /// <summary>virtio-mmio slot n raises source 1 + n.</summary>
    public const int VirtioIrqBase = 1;
    /// <summary>
    /// Number of PLIC interrupt sources the device tree declares (riscv,ndev = 96, as QEMU 7.2's tree). The
    /// binding and the PLIC spec number sources 1..ndev, so the PLIC implements source 96 too
    /// (<see cref="PlicIds"/>); QEMU 7.2's PLIC stops at 95 and refuses source 96's registers, disagreeing
    /// with its own tree. We follow the spec.
    /// </summary>
    public const int PlicSources = 0x60;

    /// <summary>Interrupt ids the PLIC has, counting the reserved id 0: sources 1..<see cref="PlicSources"/>.</summary>
    public const int PlicIds = PlicSources + 1;

    public static ulong VirtioSlotBase(int slot) => VirtioBase + (ulong)slot * VirtioStride;
}
