using RvEmu.Core.Isa;

namespace RvEmu.Tests.Isa;

/// <summary>
/// Consistency of the declarative instruction tables (InstructionTable, CompressedTable) from which
/// the decoder and disassembler are derived, checked against the encoding rules of the unprivileged
/// spec (ch. 1.5 instruction length encoding, ch. 37 opcode map) and objdump's reading of the whole
/// 16-bit space (firmware/tests/rvc-space.golden.txt.gz).
/// </summary>
[TestFixture]
public class InstructionTableTests
{
    /// <summary>
    /// Pairs of 32-bit rows that deliberately match common words: the first, more specific row is
    /// listed before the general one and wins the lookup.
    /// </summary>
    private static readonly (string Specific, string General)[] IntendedOverlaps =
    [
        ("fence.tso", "fence"),  // FENCE.TSO is FENCE with fm=1000, pred=succ=RW (spec 2.7)
        ("pause", "fence"),      // PAUSE is FENCE with pred=W, succ=0 (Zihintpause)
        ("unimp", "csrrw"),      // csrrw zero, cycle, zero: the canonical illegal instruction (spec 2.8)
    ];

    private static bool Overlap(InstructionDef a, InstructionDef b) => ((a.Match ^ b.Match) & a.Mask & b.Mask) == 0;

    [Test]
    public void NoTwoRowsMatchTheSameWordExceptTheIntendedOnes()
    {
        var rows = InstructionTable.All;
        var overlaps = new List<(string, string)>();
        for (int i = 0; i < rows.Count; i++)
            for (int j = i + 1; j < rows.Count; j++)
                if (Overlap(rows[i], rows[j])) overlaps.Add((rows[i].Mnemonic, rows[j].Mnemonic));
        Assert.That(overlaps, Is.EquivalentTo(IntendedOverlaps));
    }

    [Test]
    public void IntendedOverlapsPutTheSpecificRowFirst()
    {
        var rows = InstructionTable.All.ToList();
        foreach (var (specific, general) in IntendedOverlaps)
        {
            var s = rows.Single(r => r.Mnemonic == specific);
            var g = rows.Single(r => r.Mnemonic == general);
            Assert.That(rows.IndexOf(s), Is.LessThan(rows.IndexOf(g)), specific);
            Assert.That(s.Mask & g.Mask, Is.EqualTo(g.Mask), $"{specific} must fix every bit {general} fixes");
            Assert.That(InstructionTable.Lookup(s.Match), Is.SameAs(s));
        }
    }

    [Test]
    public void EveryRowMatchLiesInsideItsMask()
    {
        foreach (var row in InstructionTable.All)
        {
            Assert.That(row.Match & ~row.Mask, Is.Zero, row.Mnemonic);
            Assert.That(row.Match & row.PrintMask & ~row.Mask, Is.Zero, row.Mnemonic);
        }
    }

    [Test]
    public void EveryRowFixesTheWholeOpcodeOfA32BitInstruction()
    {
        // The lookup is indexed by bits 6:0, and a 32-bit encoding has bits 1:0 = 11 and 4:2 != 111 (spec 1.5).
        foreach (var row in InstructionTable.All)
        {
            Assert.That(row.Mask & 0x7f, Is.EqualTo(0x7f), row.Mnemonic);
            Assert.That(row.Match & 3, Is.EqualTo(3), row.Mnemonic);
            Assert.That(row.Match & 0x1c, Is.Not.EqualTo(0x1c), row.Mnemonic);
        }
    }

    [Test]
    public void EveryRowLooksUpToItselfAndDecodesToItsOp()
    {
        foreach (var row in InstructionTable.All)
        {
            Assert.That(InstructionTable.Lookup(row.Match), Is.SameAs(row), row.Mnemonic);
            Assert.That(Decoder.Decode(row.Match).Op, Is.EqualTo(row.Op), row.Mnemonic);
            Assert.That(Decoder.Decode(row.Match).Length, Is.EqualTo(4), row.Mnemonic);
        }
    }

    [Test]
    public void EveryOpIsReachableFromSome32BitRow()
    {
        var reached = InstructionTable.All.Select(r => r.Op).ToHashSet();
        var missing = Enum.GetValues<Op>().Where(op => op is not (Op.Undecoded or Op.Illegal or Op.JitEntry or Op.EndOfRun) && op < Op.Count && !reached.Contains(op));
        Assert.That(missing, Is.Empty);
    }

    [Test]
    public void MnemonicsAreUnique()
    {
        var duplicates = InstructionTable.All.GroupBy(r => r.Mnemonic).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.That(duplicates, Is.Empty);
        duplicates = CompressedTable.All.GroupBy(r => r.Mnemonic).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.That(duplicates, Is.Empty);
    }

    [Test]
    public void CompressedRowsAreSixteenBitPatterns()
    {
        foreach (var row in CompressedTable.All)
        {
            Assert.That(row.Match & ~row.Mask, Is.Zero, row.Mnemonic);
            Assert.That(row.Mask & ~0xffffu, Is.Zero, row.Mnemonic);
            Assert.That(row.Mask & 3, Is.EqualTo(3), row.Mnemonic);           // the quadrant is always fixed
            Assert.That(row.Match & 3, Is.Not.EqualTo(3), row.Mnemonic);      // quadrant 3 is 32-bit
        }
    }

    /// <summary>
    /// Encodings objdump 2.40 names although the spec reserves them (16.5): all zeros ("c.unimp", defined
    /// illegal) and c.addi16sp with nzimm = 0. The decoder must still reject them.
    /// </summary>
    private static readonly uint[] NamedButReserved = [0x0000, 0x6101];

    /// <summary>
    /// All 49152 16-bit encodings: the decoder accepts exactly those objdump decodes as an instruction
    /// (and rejects the rest as illegal), and every accepted one expands to a real operation.
    /// </summary>
    [Test]
    public void EveryCompressedEncodingIsValidExactlyWhenObjdumpSaysSo()
    {
        var disagreements = new List<string>();
        int valid = 0;
        foreach (var (_, bits, text) in DisassemblerGoldenTests.ReadRvcSpace())
        {
            bool objdumpValid = !text.StartsWith(".2byte", StringComparison.Ordinal) && !NamedButReserved.Contains(bits);
            var d = Decoder.Decode(bits);
            bool ours = d.Op != Op.Illegal;
            if (ours) valid++;
            if (ours != objdumpValid) disagreements.Add($"{bits:x4} objdump \"{text}\" decoder {d.Op}");
            Assert.That(d.Length, Is.EqualTo(2));
            Assert.That(d.Op, Is.Not.EqualTo(Op.Undecoded));
        }
        Assert.That(disagreements, Is.Empty, string.Join("\n", disagreements.Take(40)));
        // Sanity: most of the space is valid (objdump, with F and D, names all but 2407 of the 49152).
        Assert.That(valid, Is.GreaterThan(40000));
    }

    [TestCase(0x0000u)]
    [TestCase(0x6101u)]
    [TestCase(0x9c41u)]
    [TestCase(0x8002u)]
    public void ReservedCompressedEncodingsDecodeAsIllegal(uint bits)
    {
        var d = Decoder.Decode(bits);
        Assert.That(d.Op, Is.EqualTo(Op.Illegal));
        Assert.That(d.Raw, Is.EqualTo(bits), "mtval of an illegal instruction is its encoding");
    }

    /// <summary>HINTs (16.7) decode to their base op with an x0 destination or a zero shift, which changes nothing.</summary>
    [TestCase(0x0005u, Op.Addi)]   // c.nop 1
    [TestCase(0x4015u, Op.Addi)]   // c.li zero, 5
    [TestCase(0x6005u, Op.Lui)]    // c.lui zero, 1
    [TestCase(0x802au, Op.Add)]    // c.mv zero, a0
    [TestCase(0x902au, Op.Add)]    // c.add zero, a0
    public void CompressedHintsWriteOnlyTheZeroSink(uint bits, Op op)
    {
        var d = Decoder.Decode(bits);
        Assert.That(d.Op, Is.EqualTo(op));
        Assert.That(d.Rd, Is.EqualTo(Decoder.SinkRegister));
    }

    [TestCase(0x0502u, Op.Slli)]   // c.slli64 a0
    [TestCase(0x8001u, Op.Srli)]   // c.srli64 s0
    [TestCase(0x8401u, Op.Srai)]   // c.srai64 s0
    public void CompressedShiftHintsShiftByZero(uint bits, Op op)
    {
        var d = Decoder.Decode(bits);
        Assert.That(d.Op, Is.EqualTo(op));
        Assert.That(d.Imm, Is.Zero);
        Assert.That(d.Rd, Is.EqualTo(d.Rs1));
    }
}
