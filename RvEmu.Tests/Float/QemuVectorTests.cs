using System.Globalization;
using System.IO.Compression;
using System.Text;
using RvEmu.Core.Isa;

using RvEmu.Tests.Support;

namespace RvEmu.Tests.Float;

/// <summary>
/// Every F/D computational instruction against reference vectors recorded on QEMU
/// (firmware/fpvectors: gen.c run by generate.sh; format in its README.md). Each vector runs twice:
/// with the rounding mode in the instruction (static) and with rm = 7 and frm set (dynamic).
/// </summary>
[TestFixture]
public sealed class QemuVectorTests
{
    private const string VectorFile = "firmware/fpvectors/vectors.txt.gz";

    private sealed record Section(string Mnemonic, int Arity, int Modes, List<ulong[]> Lines);

    private static readonly Lazy<Dictionary<string, Section>> Sections = new(Load);

    private static Dictionary<string, Section> Load()
    {
        var result = new Dictionary<string, Section>();
        using var gz = new GZipStream(File.OpenRead(RepoPaths.Combine(VectorFile)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.ASCII);
        Section? current = null;
        long declared = -1, seen = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            if (parts[0] == "op")
            {
                current = new Section(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture), new());
                result.Add(current.Mnemonic, current);
            }
            else if (parts[0] == "end")
            {
                declared = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            else
            {
                var nums = parts.Select(p => ulong.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
                if (current is null || nums.Length != current.Arity + 2 * current.Modes) throw new InvalidDataException($"bad vector line: {line}");
                current.Lines.Add(nums);
                seen += current.Modes;
            }
        }
        if (declared != seen) throw new InvalidDataException($"{VectorFile}: {seen} vectors, trailer says {declared} (truncated file?)");
        return result;
    }

    /// <summary>The operations in the vector file (a test case each).</summary>
    public static IEnumerable<string> Operations() => Sections.Value.Keys;

    [Test]
    public void Vector_file_covers_every_computational_FP_instruction()
    {
        var expected = InstructionTable.All
            .Where(d => d.Extension is "F" or "D" && d.Format is not (Format.FLoad or Format.FStore))
            .Select(d => d.Mnemonic);
        Assert.That(Sections.Value.Keys, Is.EquivalentTo(expected));
    }

    [TestCaseSource(nameof(Operations))]
    public void Matches_QEMU(string mnemonic)
    {
        var section = Sections.Value[mnemonic];
        var def = InstructionTable.All.Single(d => d.Mnemonic == mnemonic);
        bool intSource = def.Format is Format.FXrm or Format.FX;
        bool intDest = def.Format is Format.XFrm or Format.XF or Format.XFF;
        bool hasRm = def.Format is Format.FR4 or Format.FRrm or Format.FR1rm or Format.XFrm or Format.FXrm;
        const int Rd = 10, Rs1 = 11, Rs2 = 12, Rs3 = 13;

        using var t = new FpTestHart();
        var hart = t.Hart;
        int vectors = 0, runs = 0, mismatches = 0;
        var report = new StringBuilder();
        foreach (var v in section.Lines)
        {
            for (int mode = 0; mode < section.Modes; mode++)
            {
                ulong expected = v[section.Arity + 2 * mode];
                uint expectedFlags = (uint)v[section.Arity + 2 * mode + 1];
                vectors++;
                // Static rm in the instruction, then dynamic (rm = 7) with frm; formats without rm run once.
                int variants = hasRm ? 2 : 1;
                for (int variant = 0; variant < variants; variant++)
                {
                    uint rmField = hasRm ? (variant == 0 ? (uint)mode : 7u) : 0;
                    uint insn = (def.Match & ~(hasRm ? 0x7000u : 0)) | (uint)Rd << 7 | (uint)Rs1 << 15
                        | ((def.Mask & 0x01f0_0000) == 0 ? (uint)Rs2 << 20 : 0)
                        | (def.Format == Format.FR4 ? (uint)Rs3 << 27 : 0) | rmField << 12;
                    if (intSource) hart.SetX(Rs1, v[0]);
                    else
                    {
                        hart.SetF(Rs1, v[0]);
                        if (section.Arity > 1) hart.SetF(Rs2, v[1]);
                        if (section.Arity > 2) hart.SetF(Rs3, v[2]);
                    }
                    hart.SetX(Rd, 0x5a5a_5a5a_5a5a_5a5a);
                    hart.SetF(Rd, 0x5a5a_5a5a_5a5a_5a5a);
                    hart.Fcsr = variant == 1 ? (uint)mode << 5 : 0;
                    var trap = t.Step(insn);
                    ulong actual = intDest ? hart.GetX(Rd) : hart.GetF(Rd);
                    uint flags = hart.Fcsr & 31;
                    runs++;
                    if (trap is null && actual == expected && flags == expectedFlags) continue;
                    if (++mismatches <= 20)
                        report.AppendLine(CultureInfo.InvariantCulture, $"  {mnemonic} {string.Join(' ', v.Take(section.Arity).Select(x => x.ToString("x", CultureInfo.InvariantCulture)))} rm={mode}{(variant == 1 ? " (dyn)" : "")}: " +
                            $"got {actual:x} flags {flags:x}{(trap is null ? "" : $" trap {trap}")}, QEMU {expected:x} flags {expectedFlags:x}");
                }
            }
        }
        TestContext.Out.WriteLine($"{mnemonic}: {vectors} vectors ({runs} runs), {mismatches} mismatches");
        Assert.That(mismatches, Is.Zero, $"{mnemonic}: {mismatches} of {runs} runs differ from QEMU:\n{report}");
    }
}
