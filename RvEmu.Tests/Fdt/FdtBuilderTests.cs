using System.Text;
using RvEmu.Devices.Fdt;

namespace RvEmu.Tests.Fdt;

/// <summary>FdtBuilder against the Devicetree Specification v0.4 ch. 5, read back with an independent reader.</summary>
[TestFixture]
public class FdtBuilderTests
{
    private static byte[] SmallTree(uint bootCpu = 0, params (ulong, ulong)[] reservations)
    {
        var b = new FdtBuilder(bootCpu);
        foreach ((ulong a, ulong s) in reservations) b.AddReservation(a, s);
        b.BeginNode("");
        b.PropertyU32("#address-cells", 2);
        b.PropertyString("compatible", "test,board");
        b.BeginNode("cpus");
        b.PropertyU32("#address-cells", 1);
        b.PropertyU32("#size-cells", 0);
        b.BeginNode("cpu@0");
        b.PropertyU32("reg", 0);
        b.PropertyString("compatible", "riscv");
        b.EndNode();
        b.EndNode();
        b.EndNode();
        return b.Finish();
    }

    [Test]
    public void HeaderFieldsFollowSpec5_2()
    {
        byte[] blob = SmallTree(bootCpu: 3);
        var r = new DtbReader(blob);
        Assert.Multiple(() =>
        {
            Assert.That(r.Magic, Is.EqualTo(0xd00dfeedu));
            Assert.That(r.Version, Is.EqualTo(17u));
            Assert.That(r.LastCompVersion, Is.EqualTo(16u));
            Assert.That(r.BootCpuIdPhys, Is.EqualTo(3u));
            Assert.That(r.TotalSize, Is.EqualTo((uint)blob.Length));
            // §5.1: header, then reservation block, structure block, strings block.
            Assert.That(r.OffMemRsvmap, Is.GreaterThanOrEqualTo(40u));
            Assert.That(r.OffDtStruct, Is.GreaterThan(r.OffMemRsvmap));
            Assert.That(r.OffDtStrings, Is.GreaterThanOrEqualTo(r.OffDtStruct + r.SizeDtStruct));
            Assert.That(r.OffDtStrings + r.SizeDtStrings, Is.EqualTo(r.TotalSize));
            Assert.That(r.Reservations, Is.Empty);
        });
    }

    [Test]
    public void MinimalTreeIsByteExact()
    {
        var b = new FdtBuilder();
        b.BeginNode("");
        b.PropertyU32("a", 0x01020304);
        b.EndNode();
        byte[] blob = b.Finish();

        // Hand-assembled from §5.2-§5.5: 40-byte header, one zero reservation entry (16 bytes),
        // BEGIN_NODE "" (4 + 4), PROP len=4 nameoff=0 value (16), END_NODE (4), END (4); strings "a\0".
        uint[] header = [0xd00dfeed, 90, 56, 88, 40, 17, 16, 0, 2, 32];
        var expected = new List<byte>();
        foreach (uint w in header) expected.AddRange(BigEndian(w));
        expected.AddRange(new byte[16]);
        foreach (uint w in new uint[] { 1, 0, 3, 4, 0, 0x01020304, 2, 9 }) expected.AddRange(BigEndian(w));
        expected.AddRange("a\0"u8.ToArray());
        Assert.That(blob, Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void ReservationsAreWrittenInOrderAndZeroTerminated()
    {
        byte[] blob = SmallTree(0, (0x8000_0000, 0x20_0000), (0x1_2345_6789_0000, 0x1000));
        var r = new DtbReader(blob);
        Assert.That(r.Reservations, Is.EqualTo(new[] { (0x8000_0000UL, 0x20_0000UL), (0x1_2345_6789_0000UL, 0x1000UL) }));
        // Two entries + the (0,0) terminator, 16 bytes each (§5.3.2).
        Assert.That(r.OffDtStruct - r.OffMemRsvmap, Is.EqualTo(3u * 16));
        Assert.That(blob.AsSpan((int)r.OffMemRsvmap + 32, 16).ToArray(), Is.All.EqualTo(0));
    }

    [Test]
    public void PropertyValuesAreBigEndianAndNulTerminated()
    {
        var b = new FdtBuilder();
        b.BeginNode("");
        b.PropertyU32("cells", 0x12345678, 1);
        b.PropertyU64("reg", 0x0000_0001_8000_0000, 0x10);
        b.PropertyString("model", "abc");
        b.PropertyStrings("compatible", "x,y", "z");
        b.PropertyEmpty("ranges");
        b.Property("raw", new byte[] { 9, 8, 7 });
        b.EndNode();
        DtbNode root = new DtbReader(b.Finish()).Root;

        Assert.Multiple(() =>
        {
            Assert.That(root.Name, Is.EqualTo(""));
            Assert.That(root.Prop("cells"), Is.EqualTo(new byte[] { 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1 }));
            Assert.That(root.Prop("reg"), Is.EqualTo(new byte[] { 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 }));
            Assert.That(root.Prop("model"), Is.EqualTo("abc\0"u8.ToArray()));
            Assert.That(root.Prop("compatible"), Is.EqualTo("x,y\0z\0"u8.ToArray()));
            Assert.That(root.Prop("ranges"), Is.Empty);
            Assert.That(root.Prop("raw"), Is.EqualTo(new byte[] { 9, 8, 7 }));
            Assert.That(root.Properties.Select(p => p.Name), Is.EqualTo(new[] { "cells", "reg", "model", "compatible", "ranges", "raw" }));
        });
    }

    [Test]
    public void EveryTokenIsFourByteAlignedWithZeroPadding()
    {
        // Names of length 1..8 and values of length 0..7 exercise every padding amount (§5.4.1);
        // the reader rejects misaligned tokens and non-zero padding.
        var b = new FdtBuilder();
        b.BeginNode("");
        for (int n = 1; n <= 8; n++)
        {
            b.BeginNode(new string('n', n));
            b.Property("v", new byte[n - 1].Select(_ => (byte)0xff).ToArray());
            b.EndNode();
        }
        b.EndNode();
        var r = new DtbReader(b.Finish());

        Assert.That(r.TokenOffsets, Is.All.Matches<int>(o => o % 4 == 0));
        Assert.That(r.Root.Children.Select(c => c.Name), Is.EqualTo(Enumerable.Range(1, 8).Select(n => new string('n', n))));
        Assert.That(r.Root.Children.Select(c => c.Prop("v").Length), Is.EqualTo(Enumerable.Range(0, 8)));
        Assert.That(r.SizeDtStruct % 4, Is.EqualTo(0u));
    }

    [Test]
    public void PropertyNamesAreStoredOnceInTheStringsBlock()
    {
        var b = new FdtBuilder();
        b.BeginNode("");
        b.PropertyString("compatible", "a");
        b.BeginNode("x");
        b.PropertyString("compatible", "b");
        b.PropertyU32("reg", 1);
        b.EndNode();
        b.BeginNode("y");
        b.PropertyU32("reg", 2);
        b.PropertyString("compatible", "c");
        b.EndNode();
        b.EndNode();
        var r = new DtbReader(b.Finish());

        // §5.5: one copy each of "compatible\0" and "reg\0".
        string strings = Encoding.ASCII.GetString(r.StringsBlock);
        Assert.That(strings.Split('\0', StringSplitOptions.RemoveEmptyEntries), Is.EquivalentTo(new[] { "compatible", "reg" }));
        Assert.That(r.SizeDtStrings, Is.EqualTo((uint)("compatible".Length + 1 + "reg".Length + 1)));
        Assert.That(r.NameOffsets.Distinct().Count(), Is.EqualTo(2));
        Assert.That(r.Root.Child("y").Prop("compatible"), Is.EqualTo("c\0"u8.ToArray()));
    }

    [Test]
    public void NestingIsPreserved()
    {
        DtbNode root = new DtbReader(SmallTree()).Root;
        DtbNode cpus = root.Child("cpus");
        Assert.That(root.Children.Select(c => c.Name), Is.EqualTo(new[] { "cpus" }));
        Assert.That(cpus.Children.Select(c => c.Name), Is.EqualTo(new[] { "cpu@0" }));
        Assert.That(cpus.Child("cpu@0").Prop("compatible"), Is.EqualTo("riscv\0"u8.ToArray()));
    }

    private static IEnumerable<TestCaseData> Misuse()
    {
        yield return new TestCaseData(new Action<FdtBuilder>(b => b.PropertyU32("x", 1))).SetName("PropertyBeforeRoot");
        yield return new TestCaseData(new Action<FdtBuilder>(b => b.EndNode())).SetName("EndNodeWithoutBegin");
        yield return new TestCaseData(new Action<FdtBuilder>(b => b.Finish())).SetName("FinishWithoutRoot");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.Finish(); })).SetName("FinishWithOpenNode");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.EndNode(); b.BeginNode(""); })).SetName("SecondRoot");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.EndNode(); b.EndNode(); })).SetName("ExtraEndNode");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.EndNode(); b.PropertyEmpty("x"); })).SetName("PropertyAfterRootClosed");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.BeginNode("a"); b.EndNode(); b.PropertyEmpty("x"); })).SetName("PropertyAfterChild");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.PropertyEmpty("x"); b.PropertyU32("x", 1); })).SetName("DuplicateProperty");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.BeginNode("a"); b.EndNode(); b.BeginNode("a"); })).SetName("DuplicateChild");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.EndNode(); b.Finish(); b.Finish(); })).SetName("FinishTwice");
        yield return new TestCaseData(new Action<FdtBuilder>(b => { b.BeginNode(""); b.EndNode(); b.Finish(); b.AddReservation(0, 1); })).SetName("UseAfterFinish");
    }

    [TestCaseSource(nameof(Misuse))]
    public void MisuseThrowsInvalidOperation(Action<FdtBuilder> misuse)
    {
        Assert.That(() => misuse(new FdtBuilder()), Throws.InstanceOf<InvalidOperationException>());
    }

    [TestCase("")]          // only the root is unnamed
    [TestCase("a/b")]       // '/' separates path components
    [TestCase("a b")]
    [TestCase("@10")]       // node-name is 1..31 characters (§2.2.1)
    [TestCase("a@")]
    [TestCase("abcdefghijabcdefghijabcdefghijab")] // 32 characters
    public void InvalidNodeNamesAreRejected(string name)
    {
        var b = new FdtBuilder();
        b.BeginNode("");
        Assert.That(() => b.BeginNode(name), Throws.InstanceOf<ArgumentException>());
    }

    [TestCase("")]
    [TestCase("a=b")]
    [TestCase("abcdefghijabcdefghijabcdefghijab")]
    public void InvalidPropertyNamesAreRejected(string name)
    {
        var b = new FdtBuilder();
        b.BeginNode("");
        Assert.That(() => b.PropertyEmpty(name), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void RootMustBeUnnamedAndStringsMustNotHoldNul()
    {
        Assert.That(() => new FdtBuilder().BeginNode("root"), Throws.InstanceOf<ArgumentException>());
        var b = new FdtBuilder();
        b.BeginNode("");
        Assert.That(() => b.PropertyString("model", "a\0b"), Throws.InstanceOf<ArgumentException>());
        Assert.That(() => b.AddReservation(0x8000_0000, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void DtcDecompilesBuilderOutputIncludingReservations()
    {
        DtcTool.RequireDtc();
        byte[] blob = SmallTree(0, (0x8000_0000, 0x20_0000));
        DtcResult res = DtcTool.Decompile(blob);
        Assert.That(res.ExitCode, Is.EqualTo(0), res.Stderr);
        Assert.That(res.Stderr, Is.Empty);
        DtsNode root = DtsNode.Parse(res.Dts);
        Assert.That(res.Dts, Does.Contain("/memreserve/\t0x0000000080000000 0x0000000000200000;"));
        Assert.That(root.Child("cpus").Child("cpu@0").Strings("compatible"), Is.EqualTo(new[] { "riscv" }));
        Assert.That(root.Cells("#address-cells"), Is.EqualTo(new uint[] { 2 }));
    }

    private static byte[] BigEndian(uint w) => [(byte)(w >> 24), (byte)(w >> 16), (byte)(w >> 8), (byte)w];
}
