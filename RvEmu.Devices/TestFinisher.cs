using RvEmu.Core.Bus;

namespace RvEmu.Devices;

/// <summary>
/// SiFive test finisher ("sifive,test0", QEMU hw/misc/sifive_test.c): a 16- or 32-bit write to offset 0
/// of 0x5555 powers off with success, (code &lt;&lt; 16) | 0x3333 fails with <c>code</c>, 0x7777 resets.
/// </summary>
public sealed class TestFinisher(IMachineControl control) : IMmioDevice
{
    public const uint Pass = 0x5555, Fail = 0x3333, Reset = 0x7777;

    public string Name => "test";

    public bool Read(ulong offset, int size, out ulong value)
    {
        value = 0;
        return true;
    }

    public bool Write(ulong offset, int size, ulong value)
    {
        // QEMU's sifive_test takes 2- to 4-byte accesses (OpenSBI's sifive_test reset driver, used for SBI SRST,
        // writes 16 bits: 0x5555); other offsets and byte writes are ignored.
        if (offset != 0 || size < 2) return true;
        uint status = (uint)value & 0xffff;
        uint code = ((uint)value >> 16) & 0xffff;
        switch (status)
        {
            case Pass: control.RequestExit(0, "test finisher: pass"); break;
            case Fail: control.RequestExit((int)code, $"test finisher: fail with code {code}"); break;
            case Reset: control.RequestReset(); break;
        }
        return true;
    }

    public string? RegisterName(ulong offset) => offset == 0 ? "FINISHER" : null;
}
