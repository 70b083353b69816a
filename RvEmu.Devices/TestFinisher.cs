using RvEmu.Core.Bus;

namespace RvEmu.Devices;

/// <summary>
/// SiFive test finisher ("sifive,test0", QEMU hw/misc/sifive_test.c): a 32-bit write to offset 0 of
/// 0x5555 powers off with success, (code &lt;&lt; 16) | 0x3333 fails with <c>code</c>, 0x7777 resets.
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
        if (offset != 0 || size < 4) return true; // other offsets and narrow writes are ignored, as in QEMU
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
