using RvEmu.Core.Bus;
using RvEmu.Devices.Virtio;
using static RvEmu.Devices.Virtio.VirtioMmioRegister;

namespace RvEmu.Tests.Virtio;

/// <summary>
/// Issue 12: register accesses that are not 32-bit, and past the configuration space, behave as the
/// README's "Register access widths" table says (QEMU 7.2's behaviour where virtio 1.2 §4.2.2 leaves it open;
/// each case was observed on qemu-system-riscv64 7.2).
/// </summary>
[TestFixture]
public sealed class VirtioRegisterWidthTests
{
    private TempImage _file = null!;

    [SetUp]
    public void SetUp() => _file = new TempImage(new byte[64 * 512]);

    [TearDown]
    public void TearDown() => _file.Dispose();

    private VirtioRig Rig(bool legacy) => new(DiskImage.Open(_file.Path, readOnly: false), legacy);

    private static ulong Read(IMmioDevice d, ulong offset, int size)
    {
        Assert.That(d.Read(offset, size, out ulong v), Is.True, $"read of {size} at 0x{offset:x} faulted");
        return v;
    }

    [TestCase(true, 1UL)]
    [TestCase(false, 2UL)]
    public void EightByteControlRead_IsTwoWordReads_LowFirst(bool legacy, ulong version)
    {
        using var rig = Rig(legacy);
        Assert.That(Read(rig.Transport, (ulong)MagicValue, 8), Is.EqualTo(VirtioConstants.Magic | version << 32));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void EightByteStatusWrite_IsSplit_AsQemuDoes(bool legacy)
    {
        using var rig = Rig(legacy);
        Assert.That(rig.Transport.Write((ulong)VirtioMmioRegister.Status, 8, 2UL << 32 | (ulong)VirtioStatus.Acknowledge), Is.True);
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.Acknowledge), "the low word went to Status; the high word to the unused 0x74");
    }

    [TestCase(1)]
    [TestCase(2)]
    public void NarrowControlAccesses_ReadZero_AndWritesAreIgnored(int size)
    {
        using var rig = Rig(legacy: true);
        Assert.That(Read(rig.Transport, (ulong)MagicValue, size), Is.EqualTo(0UL));
        Assert.That(rig.Transport.Write((ulong)VirtioMmioRegister.Status, size, 1), Is.True);
        Assert.That(rig.Status, Is.EqualTo(VirtioStatus.None));
    }

    [Test]
    public void ConfigSpace_AnyWidth_AndAllOnesPastIt()
    {
        using var rig = Rig(legacy: true);
        ulong config = (ulong)VirtioMmioRegister.Config;
        Assert.That(Read(rig.Transport, config, 8), Is.EqualTo(64UL), "capacity, a 64-bit field (§5.2.4)");
        Assert.That(Read(rig.Transport, config, 1), Is.EqualTo(64UL));
        Assert.That(Read(rig.Transport, config + (ulong)VirtioBlockDevice.ConfigLength, 4), Is.EqualTo(0xffff_ffffUL));
        Assert.That(Read(rig.Transport, 0x1fc, 4), Is.EqualTo(0xffff_ffffUL), "last word of QEMU's 0x200 window");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void PastTheWindow_Faults_AsOnQemu(bool withDevice)
    {
        using var rig = withDevice ? Rig(legacy: true) : new VirtioRig(null, legacy: true);
        Assert.That(rig.Transport.Read(VirtioMmioTransport.WindowSize, 4, out _), Is.False);
        Assert.That(rig.Transport.Read(0xffc, 4, out _), Is.False);
        Assert.That(rig.Transport.Write(0xff8, 8, 0), Is.False);
    }
}
