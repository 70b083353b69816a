using RvEmu.Core.Cpu;
using RvEmu.Devices.Machine;

namespace RvEmu.Tests.Jit;

/// <summary>
/// Runs one guest twice, in lock-step: on a machine with the JIT (compiling synchronously, at a low threshold,
/// so compiled code runs from early on) and on one with the interpreter alone. Both harts are given the same
/// step budgets, and after every budget, which is where compiled code hands control back, their whole
/// architectural state is compared: pc, x, f, privilege, the retired count and the trap CSRs.
/// </summary>
internal static class JitLockstep
{
    private static readonly int[] Csrs = { 0x300, 0x341, 0x342, 0x343, 0x100, 0x141, 0x142, 0x143, 0x180, 0x001, 0x002 };

    /// <summary>
    /// Compare the two runs, <paramref name="budget"/> steps at a time, until the interpreter's guest stops or
    /// <paramref name="maxSteps"/>. Returns the instructions retired, and how many of them in compiled code.
    /// </summary>
    public static (ulong Retired, long Compiled, ulong[] X) Compare(string kernel, long maxSteps, Func<int, long> budget, int threshold = 2, string? bios = null, bool synchronous = true)
    {
        MachineOptions Options(bool jit) => new()
        {
            KernelPath = kernel,
            BiosPath = bios,
            Jit = jit,
            JitThreshold = threshold,
            JitSynchronous = synchronous,
            Deterministic = true,
        };
        using var jitted = VirtMachine.Create(Options(true));
        using var plain = VirtMachine.Create(Options(false));
        Hart a = jitted.Harts[0], b = plain.Harts[0];
        long steps = 0;
        for (int round = 0; steps < maxSteps; round++)
        {
            long n = budget(round);
            string before = Describe(b);
            long sa = a.Run(n), sb = b.Run(n);
            steps += sb;
            var diff = Diff(a, b);
            if (sa != sb) diff.Insert(0, $"steps taken: JIT {sa}, interpreter {sb}");
            if (diff.Count > 0)
                Assert.Fail($"{Path.GetFileName(kernel)}: JIT and interpreter differ after round {round} (budget {n}, {steps} steps in all), " +
                            $"which started at {before}:\n  " + string.Join("\n  ", diff));
            if (plain.Stopped) break;
            if (sb == 0 && b.WaitingForInterrupt) break;
        }
        // And guest memory, which registers alone would not show (a store of the wrong width may never be read back).
        var ramA = jitted.Ram.AsSpan(jitted.Ram.Base, (int)jitted.Ram.Size);
        var ramB = plain.Ram.AsSpan(plain.Ram.Base, (int)plain.Ram.Size);
        if (!ramA.SequenceEqual(ramB))
        {
            int at = ramA.CommonPrefixLength(ramB);
            Assert.Fail($"{Path.GetFileName(kernel)}: guest memory differs at the end, first at 0x{jitted.Ram.Base + (ulong)at:x}: JIT 0x{ramA[at]:x2}, interpreter 0x{ramB[at]:x2}");
        }
        return (b.InstructionsRetired, a.JitRetired, Enumerable.Range(0, 32).Select(i => b.GetX(i)).ToArray());
    }

    /// <summary>A whole-machine run (devices, interrupts, --icount) and what the tests look at afterwards.</summary>
    public sealed record WholeRun(RunResult Result, ulong[] X, long Compiled, byte[] Memory);

    /// <summary>
    /// Run <paramref name="kernel"/> on a whole machine under --icount with the JIT on (compiling synchronously at a
    /// threshold of 2) or off. X is hart 0's registers at the end, Compiled what all harts retired in compiled code,
    /// Memory the bytes of RAM at <paramref name="memory"/> (none by default).
    /// </summary>
    public static WholeRun RunWhole(string kernel, bool jit, ulong maxInstructions, int harts = 1, (ulong Address, int Length) memory = default)
    {
        using var m = VirtMachine.Create(new MachineOptions
        {
            KernelPath = kernel, HartCount = harts, Deterministic = true, MaxInstructions = maxInstructions,
            Jit = jit, JitThreshold = 2, JitSynchronous = true,
        });
        var r = m.Run();
        var bytes = memory.Length > 0 ? m.Ram.AsSpan(memory.Address, memory.Length).ToArray() : Array.Empty<byte>();
        return new WholeRun(r, Enumerable.Range(0, 32).Select(i => m.Harts[0].GetX(i)).ToArray(), m.Harts.Sum(h => h.JitRetired), bytes);
    }

    private static string Describe(Hart h) => $"pc 0x{h.Pc:x} ({h.Mode}, {h.InstructionsRetired} retired)";

    public static List<string> Diff(Hart a, Hart b)
    {
        var d = new List<string>();
        if (a.Pc != b.Pc) d.Add($"pc: JIT 0x{a.Pc:x}, interpreter 0x{b.Pc:x}");
        if (a.Mode != b.Mode) d.Add($"mode: JIT {a.Mode}, interpreter {b.Mode}");
        if (a.InstructionsRetired != b.InstructionsRetired) d.Add($"retired: JIT {a.InstructionsRetired}, interpreter {b.InstructionsRetired}");
        for (int i = 1; i < 32; i++)
            if (a.GetX(i) != b.GetX(i)) d.Add($"x{i}: JIT 0x{a.GetX(i):x16}, interpreter 0x{b.GetX(i):x16}");
        for (int i = 0; i < 32; i++)
            if (a.GetF(i) != b.GetF(i)) d.Add($"f{i}: JIT 0x{a.GetF(i):x16}, interpreter 0x{b.GetF(i):x16}");
        foreach (int csr in Csrs)
        {
            a.TryReadCsrAsDebugger(csr, out ulong va);
            b.TryReadCsrAsDebugger(csr, out ulong vb);
            if (va != vb) d.Add($"csr 0x{csr:x}: JIT 0x{va:x}, interpreter 0x{vb:x}");
        }
        return d;
    }
}
