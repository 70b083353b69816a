using System.Buffers.Binary;
using RvEmu.Core.Bus;

namespace RvEmu.Devices;

/// <summary>
/// Berkeley host-target interface as Spike implements it for test suites: the guest writes a command
/// to the 64-bit <c>tohost</c> word in its own memory (ELF symbol), the host answers in <c>fromhost</c>.
/// tohost = device[63:56] | command[55:48] | payload[47:0]. Device 0: payload with bit 0 set exits with
/// code payload &gt;&gt; 1 (riscv-tests: 1 = pass). Device 1, command 1: console putchar.
/// Polled between instruction chunks, since tohost lives in RAM.
/// </summary>
public sealed class Htif(IGuestMemory memory, ulong toHost, ulong fromHost, IMachineControl control, Action<byte> console) : IPolledDevice
{
    public ulong ToHostAddress => toHost;

    public void Poll()
    {
        Span<byte> buf = stackalloc byte[8];
        if (!memory.Read(toHost, buf)) return;
        ulong cmd = BinaryPrimitives.ReadUInt64LittleEndian(buf);
        if (cmd == 0) return;
        ulong device = cmd >> 56, command = (cmd >> 48) & 0xff, payload = cmd & 0xffff_ffff_ffffUL;
        BinaryPrimitives.WriteUInt64LittleEndian(buf, 0);
        memory.Write(toHost, buf);
        if (device == 0 && command == 0 && (payload & 1) != 0)
        {
            ulong code = payload >> 1;
            control.RequestExit(code > int.MaxValue ? int.MaxValue : (int)code, $"htif: exit with code {code}");
            return;
        }
        if (device == 1 && command == 1)
        {
            console((byte)payload);
            BinaryPrimitives.WriteUInt64LittleEndian(buf, (device << 56) | (command << 48));
            memory.Write(fromHost, buf);
        }
    }
}
