using RvEmu.Tests.Support;
using static RvEmu.Tests.Jit.Asm;

namespace RvEmu.Tests.Jit;

/// <summary>
/// Random programs made to be compiled: a loop whose body is a seeded random mix of every RV64IM integer
/// instruction (register and immediate forms, W forms, shifts by register with counts past the width,
/// division by zero and overflow), loads and stores of every width to a sandbox (aligned and misaligned,
/// some missing the TLB) and forward branches; the float variant adds every F and D instruction (static and
/// dynamic rounding modes, special operands, badly boxed singles, FS starting Initial, fflags with and without
/// NX). Registers start at random and special values. Run in lock-step
/// against the interpreter with random budgets, so compiled code is compared with the interpreter at
/// thousands of block exits per program. CI runs 40 seeds (over 10^5 instructions in compiled code); a long
/// run: <c>RVEMU_JIT_SEEDS=1-2000 dotnet test RvEmu.sln --filter FullyQualifiedName~JitRandomLoop</c>.
/// </summary>
[TestFixture, Category("Jit")]
public sealed class JitRandomLoopTests
{
    // Integer ops by encoding template: R-type (funct7, funct3, opcode) and I-type (funct3, opcode).
    private static readonly (int F7, int F3, int Op)[] RTypes =
    {
        (0, 0, 0x33), (0x20, 0, 0x33), (0, 1, 0x33), (0, 2, 0x33), (0, 3, 0x33), (0, 4, 0x33), (0, 5, 0x33), (0x20, 5, 0x33), (0, 6, 0x33), (0, 7, 0x33),
        (0, 0, 0x3b), (0x20, 0, 0x3b), (0, 1, 0x3b), (0, 5, 0x3b), (0x20, 5, 0x3b),
        (1, 0, 0x33), (1, 1, 0x33), (1, 2, 0x33), (1, 3, 0x33), (1, 4, 0x33), (1, 5, 0x33), (1, 6, 0x33), (1, 7, 0x33),
        (1, 0, 0x3b), (1, 4, 0x3b), (1, 5, 0x3b), (1, 6, 0x3b), (1, 7, 0x3b),
    };
    private static readonly (int F3, int Op)[] ITypes = { (0, 0x13), (2, 0x13), (3, 0x13), (4, 0x13), (6, 0x13), (7, 0x13), (0, 0x1b) };

    private const int Sandbox = 31, Counter = 30; // never random destinations
    private static readonly ulong[] Specials = { 0, 1, ulong.MaxValue, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000, 0xffff_ffff, 31, 32, 63, 64 };

    private static IEnumerable<int> Seeds() => SeedList.FromEnvironment("RVEMU_JIT_SEEDS", 40);

    /// <summary>FP register values: specials of both widths, NaN-boxed singles and one that is not properly boxed.</summary>
    private static readonly ulong[] FpSpecials =
    {
        0, 0x8000_0000_0000_0000, 0x3ff0_0000_0000_0000, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000, 0x7ff8_0000_0000_0000,
        0x7ff0_0000_0000_0001, 1, 0x7fef_ffff_ffff_ffff, 0x0010_0000_0000_0000, 0xffff_ffff_3f80_0000, 0xffff_ffff_7f80_0000,
        0xffff_ffff_0000_0001, 0xffff_ffff_7f7f_ffff, 0xffff_ffff_7fc0_0000, 0x0000_0000_3f80_0000, 0xffff_ffff_8000_0000,
    };

    internal static byte[] Program(int seed, bool floats = false)
    {
        var rng = new Random(seed);
        var a = new Asm();
        // Registers: x1..x29 from a table of random and special values in the data area at 0x8000_1000, f0..f31
        // from the table after it.
        int dataAt = 0x1000;
        a.La(Sandbox, dataAt);
        if (floats)
        {
            a.Li(T0, 0x6000).Csrrs(0, 0x300, T0); // mstatus.FS = Dirty
            for (int f = 0; f < 32; f++) a.Word(I(256 + 8 * f, Sandbox, 3, f, 0x07)); // fld
            // FS = Initial: the first FP instruction must make it Dirty (compiled code leaves that to the interpreter).
            a.Li(T0, 0x4000).Word(I(0x300, T0, 3, 0, 0x73)); // csrrc mstatus
            int fflags = rng.Next(3) switch { 0 => 0, 1 => 1, _ => rng.Next(32) };
            a.Li(T0, rng.Next(5) << 5 | fflags).Csrrw(0, 0x003, T0); // fcsr: frm 0-4 (dynamic rm stays legal)
        }
        for (int r = 1; r < 30; r++) a.Ld(r, Sandbox, 8 * r);
        a.Li(Counter, 30 + rng.Next(40));
        // The sandbox: 2 KiB at 0x8000_2000 (x31 points at its middle), so every access stays in it.
        a.La(Sandbox, 0x2400);
        int loop = a.Here;
        int body = 40 + rng.Next(80);
        var pendingBranches = new List<(int At, int Target)>();
        for (int i = 0; i < body; i++)
        {
            int rd = 1 + rng.Next(29), rs1 = rng.Next(30), rs2 = rng.Next(30);
            int kind = rng.Next(100);
            if (floats && rng.Next(100) < 4)
            {
                // Read and clear fflags (so that flags raised in compiled code show, not only those of the first,
                // interpreted pass), or set frm to a legal mode; either ends the region.
                a.Word(rng.Next(2) == 0 ? I(0x001, 0, 1, rd, 0x73) : I(0x002, rng.Next(5), 5, 0, 0x73)); // csrrw rd, fflags, x0 / csrrwi frm
            }
            else if (floats && rng.Next(100) < 45)
            {
                a.Word(FloatInstruction(rng, rd, rs1));
            }
            else if (kind < 40)
            {
                var (f7, f3, op) = RTypes[rng.Next(RTypes.Length)];
                a.Word(R(f7, rs2, rs1, f3, rd, op));
            }
            else if (kind < 60)
            {
                var (f3, op) = ITypes[rng.Next(ITypes.Length)];
                a.Word(I(rng.Next(4096) - 2048, rs1, f3, rd, op));
            }
            else if (kind < 70)
            {
                // Shifts by immediate: slli/srli/srai (6-bit) and the W forms (5-bit).
                bool word = rng.Next(2) == 0;
                int sh = rng.Next(word ? 32 : 64), f3 = rng.Next(2) == 0 ? 1 : 5;
                int hi = f3 == 5 && rng.Next(2) == 0 ? 0x400 : 0;
                a.Word(I(hi | sh, rs1, f3, rd, word ? 0x1b : 0x13));
            }
            else if (kind < 80)
            {
                int[] loads = { 0, 1, 2, 3, 4, 5, 6 }; // lb lh lw ld lbu lhu lwu
                a.Word(I(rng.Next(-1000, 1000), Sandbox, loads[rng.Next(loads.Length)], rd, 0x03));
            }
            else if (kind < 88)
            {
                a.Word(S(rng.Next(-1000, 1000), rs2, Sandbox, rng.Next(4), 0x23));
            }
            else if (kind < 92)
            {
                a.Word(Lui(rd, rng.Next(1 << 20)));
            }
            else if (kind < 94)
            {
                a.Word(Auipc(rd, rng.Next(1 << 20)));
            }
            else if (i + 3 < body)
            {
                // A forward branch over the next one to three instructions.
                pendingBranches.Add((a.Here, a.Here + 4 * (1 + rng.Next(3))));
                a.Word(0);
                int f3 = new[] { 0, 1, 4, 5, 6, 7 }[rng.Next(6)];
                a.Patch(a.Here - 4, B(pendingBranches[^1].Target - pendingBranches[^1].At, rs2, rs1, f3));
            }
            else
            {
                a.Word(Addi(rd, rs1, 1));
            }
        }
        a.Addi_(Counter, Counter, -1);
        a.Bne(Counter, 0, loop);
        a.Exit(Counter, 29);
        while (a.Here < dataAt) a.Word(0x00000013);
        for (int r = 0; r < 32; r++)
        {
            ulong v = rng.Next(3) == 0 ? Specials[rng.Next(Specials.Length)] : (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 63);
            a.Word((uint)v).Word((uint)(v >> 32));
        }
        for (int f = 0; f < 32 && floats; f++)
        {
            ulong v = rng.Next(3) switch
            {
                0 => FpSpecials[rng.Next(FpSpecials.Length)],
                1 => 0xffff_ffff_0000_0000 | BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-140, 130)))),
                _ => BitConverter.DoubleToUInt64Bits((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-1030, 1025))),
            };
            a.Word((uint)v).Word((uint)(v >> 32));
        }
        while (a.Here < 0x2c00) a.Word((uint)rng.Next());
        return a.Bytes();
    }

    /// <summary>
    /// One F or D instruction (unprivileged spec ch. 11, 12, opcode map ch. 37): fmt 0 single, 1 double; integer
    /// results go to <paramref name="xd"/>, integer sources come from <paramref name="xs"/>; FP loads and stores use the sandbox.
    /// </summary>
    private static uint FloatInstruction(Random rng, int xd, int xs)
    {
        int fd = rng.Next(32), fs1 = rng.Next(32), fs2 = rng.Next(32), fs3 = rng.Next(32), fmt = rng.Next(2);
        int rm = new[] { 0, 1, 2, 3, 4, 7, 7, 7 }[rng.Next(8)]; // 7: dynamic (frm)
        return rng.Next(14) switch
        {
            0 => I(rng.Next(-1000, 1000), Sandbox, 2 + fmt, fd, 0x07),                          // flw, fld
            1 => S(rng.Next(-1000, 1000), fs2, Sandbox, 2 + fmt, 0x27),                         // fsw, fsd
            2 or 3 => R(new[] { 0x00, 0x04, 0x08, 0x0c }[rng.Next(4)] | fmt, fs2, fs1, rm, fd, 0x53), // fadd fsub fmul fdiv
            4 => R(0x2c | fmt, 0, fs1, rm, fd, 0x53),                                           // fsqrt
            5 => (uint)(fs3 << 27 | fmt << 25) | R(0, fs2, fs1, rm, fd, new[] { 0x43, 0x47, 0x4b, 0x4f }[rng.Next(4)]), // fmadd..fnmadd
            6 => R(0x10 | fmt, fs2, fs1, rng.Next(3), fd, 0x53),                                // fsgnj, fsgnjn, fsgnjx
            7 => R(0x14 | fmt, fs2, fs1, rng.Next(2), fd, 0x53),                                // fmin, fmax
            8 => R(0x50 | fmt, fs2, fs1, rng.Next(3), xd, 0x53),                                // fle, flt, feq
            9 => R(0x60 | fmt, rng.Next(4), fs1, rm, xd, 0x53),                                 // fcvt.{w,wu,l,lu}.fmt
            10 => R(0x68 | fmt, rng.Next(4), xs, rm, fd, 0x53),                                 // fcvt.fmt.{w,wu,l,lu}
            11 => R(0x70 | fmt, 0, fs1, rng.Next(2), xd, 0x53),                                 // fmv.x.fmt, fclass
            12 => R(0x78 | fmt, 0, xs, 0, fd, 0x53),                                            // fmv.fmt.x
            _ => fmt == 0 ? R(0x20, 1, fs1, rm, fd, 0x53) : R(0x21, 0, fs1, rm, fd, 0x53),     // fcvt.s.d, fcvt.d.s
        };
    }

    [Test]
    public void RandomHotLoops_MatchTheInterpreter_AtEveryBlockExit() => RunSeeds(floats: false);

    [Test]
    public void RandomHotFloatLoops_MatchTheInterpreter_AtEveryBlockExit() => RunSeeds(floats: true);

    private static void RunSeeds(bool floats)
    {
        string dir = Directory.CreateTempSubdirectory("rvemu-jitrand-").FullName;
        try
        {
            ulong retired = 0;
            long compiled = 0;
            foreach (int seed in Seeds())
            {
                string path = Path.Combine(dir, $"seed{seed}.bin");
                File.WriteAllBytes(path, Program(seed, floats));
                var rng = new Random(seed);
                try
                {
                    var r = JitLockstep.Compare(path, 1_000_000, _ => rng.Next(1, 400));
                    retired += r.Retired;
                    compiled += r.Compiled;
                }
                catch (AssertionException)
                {
                    TestContext.Out.WriteLine($"seed {seed} diverged: reproduce with RVEMU_JIT_SEEDS={seed}");
                    throw;
                }
            }
            TestContext.Out.WriteLine($"{retired} instructions retired, {compiled} of them in compiled code");
            if (Environment.GetEnvironmentVariable("RVEMU_JIT_SEEDS") is null)
                Assert.That(compiled, Is.GreaterThanOrEqualTo(100_000), "CI compares at least 10^5 compiled instructions");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
