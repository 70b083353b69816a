using System.Buffers.Binary;

namespace RvEmu.Devices.Machine;

/// <summary>
/// The reset vector at 0x1000, as QEMU's virt board has it (hw/riscv/boot.c riscv_setup_rom_reset_vec):
/// a0 = mhartid, a1 = FDT address, a2 = address of a <c>fw_dynamic_info</c> for OpenSBI's fw_dynamic,
/// then a jump to the start address (DRAM base).
/// </summary>
public static class BootRom
{
    /// <summary>OpenSBI's fw_dynamic_info magic, "OSBI" (include/sbi/fw_dynamic.h).</summary>
    public const ulong FwDynamicMagic = 0x4942534f;
    public const ulong FwDynamicVersion = 2;
    /// <summary>next_mode value for S-mode.</summary>
    public const ulong NextModeS = 1;

    public static byte[] Build(ulong startAddress, ulong fdtAddress, ulong nextAddress)
    {
        uint[] code =
        {
            0x00000297, // auipc t0, 0          t0 = 0x1000
            0x02828613, // addi  a2, t0, 40     a2 = &fw_dynamic_info
            0xf1402573, // csrr  a0, mhartid
            0x0202b583, // ld    a1, 32(t0)     a1 = FDT address
            0x0182b283, // ld    t0, 24(t0)     t0 = start address
            0x00028067, // jr    t0
        };
        var rom = new byte[40 + 6 * 8];
        for (int i = 0; i < code.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(rom.AsSpan(4 * i), code[i]);
        BinaryPrimitives.WriteUInt64LittleEndian(rom.AsSpan(24), startAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(rom.AsSpan(32), fdtAddress);
        // struct fw_dynamic_info { magic, version, next_addr, next_mode, options, boot_hart }
        ulong[] info = { FwDynamicMagic, FwDynamicVersion, nextAddress, NextModeS, 0, 0 };
        for (int i = 0; i < info.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(rom.AsSpan(40 + 8 * i), info[i]);
        return rom;
    }
}
