using RvEmu.Cli;

namespace RvEmu.Tests.Cli;

/// <summary>
/// The console escape (issue 10): every key goes to the guest, Ctrl-C included; Ctrl-A x quits,
/// Ctrl-A h prints help, Ctrl-A Ctrl-A sends one Ctrl-A. Same keys as qemu-system -nographic.
/// </summary>
public sealed class ConsoleEscapeTests : CliTestBase
{
    private static (byte[] Guest, List<ConsoleEscape.Command> Commands) Feed(params byte[][] chunks)
    {
        var escape = new ConsoleEscape();
        var guest = new List<byte>();
        var commands = new List<ConsoleEscape.Command>();
        foreach (var chunk in chunks) escape.Feed(chunk, guest, commands.Add);
        return (guest.ToArray(), commands);
    }

    [Test]
    public void OrdinaryKeys_AndCtrlC_GoToTheGuest()
    {
        var (guest, commands) = Feed([(byte)'l', (byte)'s', 0x03, 0x04, 0x1b, (byte)'[', (byte)'A', (byte)'\r']);
        Assert.That(guest, Is.EqualTo(new byte[] { (byte)'l', (byte)'s', 0x03, 0x04, 0x1b, (byte)'[', (byte)'A', (byte)'\r' }));
        Assert.That(commands, Is.Empty);
    }

    [Test]
    public void CtrlA_CtrlA_SendsOneCtrlA_EvenAcrossReads()
    {
        var (guest, commands) = Feed([(byte)'a', 0x01], [0x01, (byte)'b']);
        Assert.That(guest, Is.EqualTo(new byte[] { (byte)'a', 0x01, (byte)'b' }));
        Assert.That(commands, Is.Empty);
    }

    [Test]
    public void CtrlA_H_IsHelp_CtrlA_X_Quits_AndNothingAfterItReachesTheGuest()
    {
        var (guest, commands) = Feed([0x01, (byte)'h', (byte)'q', 0x01, (byte)'z', 0x01, (byte)'x', (byte)'y']);
        Assert.That(guest, Is.EqualTo(new byte[] { (byte)'q' }), "an unknown escape (Ctrl-A z) is dropped, as QEMU does");
        Assert.That(commands, Is.EqualTo(new[] { ConsoleEscape.Command.Help, ConsoleEscape.Command.Quit }));
    }

    [Test]
    public void TheRealCli_PrintsHelpAndQuitsOnCtrlAX()
    {
        string kernel = SpinningKernel();
        var r = RvEmuProcess.RunWithInput([0x01, (byte)'h', 0x01, (byte)'x'], "run", "--bios", "none", "--kernel", kernel);
        Assert.Multiple(() =>
        {
            Assert.That(r.ExitCode, Is.EqualTo(130), r.ToString);
            Assert.That(r.Stderr, Does.Contain("Ctrl-A x").And.Contain("Ctrl-A Ctrl-A"), "Ctrl-A h printed the help");
            Assert.That(r.StderrLines[^1], Is.EqualTo("rvemu: quit (Ctrl-A x)"), r.ToString);
            AssertNoStackTrace(r);
        });
    }

    [Test]
    public void RunHelp_DocumentsTheEscapeKeys()
    {
        var r = RvEmuProcess.Run("run", "--help");
        Assert.That(r.Stdout, Does.Contain("Ctrl-A x").And.Contain("Ctrl-C"), r.ToString);
    }
}
