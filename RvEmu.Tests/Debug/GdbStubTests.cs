using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RvEmu.Core.Debug;
using RvEmu.Tests.Cli;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Debug;

/// <summary>
/// Issue 11: the GDB stub driven by Debian's real gdb-multiarch (skipped with a message when it is not
/// installed; .ci/run installs it), and by a raw socket for Ctrl-C and detach.
/// </summary>
[TestFixture, Category("Gdb")]
public sealed class GdbStubTests : CliTestBase
{
    private static string Hello => RepoPaths.Combine("firmware", "hello", "hello.elf");

    private readonly List<Process> _started = new();

    /// <summary>Start rvemu; whatever happens in the test, <see cref="KillLeftovers"/> ends it (a spinning guest left behind slows every later test).</summary>
    private Process StartRvemu(params string[] args)
    {
        var p = RvEmuProcess.Start(args);
        _started.Add(p);
        return p;
    }

    [TearDown]
    public void KillLeftovers()
    {
        foreach (var p in _started)
        {
            try { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(); } }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        _started.Clear();
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static void RequireGdb()
    {
        bool found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "gdb-multiarch")));
        if (!found) Assert.Ignore("gdb-multiarch is missing: install Debian's gdb-multiarch");
    }

    private static (int ExitCode, string Output) Gdb(string elf, int port, params string[] commands)
    {
        var psi = new ProcessStartInfo("gdb-multiarch") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-batch", "-nx", "-ex", "set confirm off", "-ex", $"target remote :{port}" }) psi.ArgumentList.Add(a);
        foreach (string c in commands) { psi.ArgumentList.Add("-ex"); psi.ArgumentList.Add(c); }
        psi.ArgumentList.Add(elf);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(true); Assert.Fail("gdb-multiarch did not finish"); }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Test]
    public void RealGdb_BreaksStepsReadsAndWritesState_ThenTheGuestRunsToItsExit()
    {
        RequireGdb();
        int port = FreePort();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", Hello, "--gdb", $"tcp::{port}", "--wait-for-gdb");
        var stdout = rvemu.StandardOutput.ReadToEndAsync();
        var (_, output) = Gdb(Hello, port,
            "break *0x80000008", "continue",
            "p/x $pc", "p $priv", "p/x $mstatus",
            "x/1xw 0x80000000",                 // _start's first instruction: csrr t0, mhartid
            "stepi", "p/x $pc",                 // one 32-bit instruction
            "set $t1 = 0x1234", "p/x $t1",
            "info threads", "info all-registers",
            "delete", "continue");
        Assert.That(rvemu.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, output);
        rvemu.WaitForExit();

        Assert.That(output, Does.Contain("Breakpoint 1, 0x0000000080000008 in _start ()"));
        Assert.That(output, Does.Contain("$1 = 0x80000008"));
        Assert.That(output, Does.Contain("$2 = 3"), "M-mode through the virtual priv register");
        Assert.That(output, Does.Contain("$3 = 0xa00000000"), "mstatus through the target description's CSRs");
        Assert.That(output, Does.Contain("0x80000000 <_start>:\t0xf14022f3"));
        Assert.That(output, Does.Contain("$4 = 0x8000000c"), "stepi ran exactly one instruction");
        Assert.That(output, Does.Contain("$5 = 0x1234"));
        Assert.That(output, Does.Contain("hart 0, Machine-mode"));
        // info all-registers: integer, FP (fflags too, though mstatus.FS is Off), CSRs by name, triggers, priv.
        foreach (string reg in new[] { "t1", "ft0", "fflags", "fcsr", "mstatus", "misa", "mtvec", "satp", "tselect", "tdata1", "priv" })
            Assert.That(output, Does.Match($@"\n{reg}\s+0x|\n{reg}\s+\{{"), $"info all-registers lists {reg}");
        Assert.That(output, Does.Contain("exited normally"));
        Assert.That(rvemu.ExitCode, Is.EqualTo(0));
        Assert.That(stdout.Result, Does.Contain("Hello from RISC-V!"));
    }

    [Test]
    public void RealGdb_OnAProgramWithDebugInfo_BreaksByName_Backtraces_Watches_AndChangesAVariable()
    {
        RequireGdb();
        string elf = RepoPaths.Combine("firmware", "gdb", "target.elf");
        int port = FreePort();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", elf, "--gdb", $"tcp::{port}", "-S");
        var stdout = rvemu.StandardOutput.ReadToEndAsync();
        var (_, output) = Gdb(elf, port,
            "break step", "continue", "bt", "p i", "p counter",
            // step() starts with two 32-bit instructions, then a compressed one.
            "stepi", "p/x $pc", "stepi", "p/x $pc", "stepi", "p/x $pc",
            "delete", "watch counter", "continue", "continue",
            "delete", "set var answer = 7", "detach");
        Assert.That(rvemu.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, output);
        rvemu.WaitForExit();

        Assert.That(output, Does.Contain("Breakpoint 1, step (i=i@entry=1) at firmware/gdb/target.c:21"));
        Assert.That(output, Does.Match(@"#1 .* in work \(rounds=rounds@entry=4\) at firmware/gdb/target.c:\d+"), "bt");
        Assert.That(output, Does.Match(@"#2 .* in main \(\) at firmware/gdb/target.c:\d+"), "bt");
        Assert.That(output, Does.Contain("$1 = 1").And.Contain("$2 = 0"));
        // The watchpoint fires on each store to counter, after it, with the old and new values.
        Assert.That(output, Does.Contain("Old value = 0\nNew value = 1"));
        Assert.That(output, Does.Contain("Old value = 1\nNew value = 3"));
        Assert.That(output, Does.Contain("$3 = 0x80000016").And.Contain("$4 = 0x8000001a"), "stepi over 32-bit instructions");
        Assert.That(output, Does.Contain("$5 = 0x8000001c"), "stepi over a compressed instruction");
        // After detach the guest runs on, sees the debugger's write, says so and exits with the new answer.
        Assert.That(output, Does.Contain("detached"));
        Assert.That(rvemu.ExitCode, Is.EqualTo(7));
        Assert.That(stdout.Result, Does.Contain("answer changed"));
    }

    [Test]
    public void RealGdb_BreaksInTheSModeKernel_AtItsSv39Address()
    {
        RequireGdb();
        // The bundled teaching kernel runs in S-mode at 0xffff_ffc0_8020_0000 under Sv39: the breakpoint and
        // the disassembly at pc go through its page table.
        string elf = RepoPaths.Combine("firmware", "guest", "guest.elf");
        string disk = WriteFile("disk.img", File.ReadAllBytes(RepoPaths.Combine("firmware", "guest", "disk.img")));
        int port = FreePort();
        string trace = Path.Combine(Dir, "trace.log");
        var rvemu = StartRvemu("run", "--kernel", elf, "--drive", disk, "--append", "poweroff", "--gdb", $"tcp::{port}", "-S",
            "--trace", trace, "--trace-events", "trap");
        var (_, output) = Gdb(elf, port, "monitor trace off", "break platform_probe", "continue", "p $priv", "p/x $pc", "x/1i $pc", "p/x $satp",
            "monitor pagetable", "monitor harts", "monitor trace on mmio", "monitor nonsense", "delete", "continue");
        Assert.That(rvemu.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, output);
        rvemu.WaitForExit();
        Assert.That(output, Does.Match(@"Breakpoint 1, 0xffffffc0[0-9a-f]+ in platform_probe \(\)"));
        Assert.That(output, Does.Contain("$1 = 1"), "S-mode");
        Assert.That(output, Does.Match(@"=> 0xffffffc0[0-9a-f]+ <platform_probe>:\s+add\s+sp,sp,-"), "the instruction read through Sv39");
        Assert.That(output, Does.Match(@"\$3 = 0x8[0-9a-f]{15}\n"), "satp.MODE = Sv39");
        Assert.That(output, Does.Contain("exited normally"));

        // monitor: the Sv39 mapping (the kernel's image at its high address), the harts, the trace switched.
        Assert.That(output, Does.Match(@"satp 0x8[0-9a-f]+: Sv39, root table at 0x[0-9a-f]+\n"));
        Assert.That(output, Does.Match(@"0xffffffc0[0-9a-f]+-0x[0-9a-f]+ -> 0x80[0-9a-f]+-0x[0-9a-f]+ r.x"), "an executable kernel mapping");
        Assert.That(output, Does.Match(@"hart 0: pc 0xffffffc0[0-9a-f]+ Supervisor-mode \*"));
        Assert.That(output, Does.Contain("unknown monitor command 'nonsense'"));
        var lines = File.ReadAllLines(trace);
        Assert.That(lines, Is.Not.Empty);
        Assert.That(lines.All(l => l.StartsWith("mmio: ", StringComparison.Ordinal)), Is.True,
            "trace off before the run, then only the mmio events asked for: " + string.Join("\n", lines.Take(5)));
    }

    [Test]
    public void RealGdb_SeesEveryHartAsAThread()
    {
        RequireGdb();
        int port = FreePort();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", Hello, "--smp", "2", "--gdb", $"tcp::{port}", "-S");
        // Both harts start on the same boot ROM code: with scheduler-locking only the selected hart steps (GDB
        // steps RISC-V by breakpoints, which the other hart would reach first).
        var (_, output) = Gdb(Hello, port, "info threads", "thread 2", "set scheduler-locking step", "stepi", "p/x $pc", "p $_thread",
            "thread 1", "p/x $pc", "continue");
        Assert.That(rvemu.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, output);
        rvemu.WaitForExit();
        Assert.That(output, Does.Contain("Thread 1 (hart 0, Machine-mode)").And.Contain("Thread 2 (hart 1, Machine-mode)"));
        Assert.That(output, Does.Contain("$1 = 0x1004"), "hart 1 stepped from the boot ROM");
        Assert.That(output, Does.Contain("$2 = 2"));
        Assert.That(output, Does.Contain("$3 = 0x1000"), "hart 0 did not move");
        Assert.That(output, Does.Contain("exited normally"));
    }

    [Test]
    public void RealGdb_CtrlC_InterruptsARunningLoop()
    {
        RequireGdb();
        int port = FreePort();
        string kernel = SpinningKernel();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", kernel, "--gdb", $"tcp::{port}", "-S", "--timeout", "60");
        // gdb in the foreground of "continue"; SIGINT to gdb is the user's Ctrl-C, which gdb sends on as 0x03.
        var psi = new ProcessStartInfo("gdb-multiarch") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-batch", "-nx", "-ex", "set confirm off", "-ex", $"target remote :{port}", "-ex", "continue",
                     "-ex", "p/x $pc", "-ex", "kill", kernel }) psi.ArgumentList.Add(a);
        using var gdb = Process.Start(psi)!;
        var stdout = gdb.StandardOutput.ReadToEndAsync();
        var stderr = gdb.StandardError.ReadToEndAsync();
        Thread.Sleep(2000);
        using (var kill = Process.Start("kill", ["-INT", gdb.Id.ToString()])) kill.WaitForExit();
        Assert.That(gdb.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "gdb finished after the interrupt");
        string output = stdout.Result + stderr.Result;
        Assert.That(rvemu.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, output);
        Assert.That(output, Does.Contain("Program received signal SIGINT"));
        Assert.That(output, Does.Match(@"\$1 = 0x8000[0-9a-f]{4}"), "stopped in the guest's loop");
        Assert.That(rvemu.ExitCode, Is.EqualTo(137), "kill ends the run");
    }

    [Test]
    public void CtrlC_StopsARunningGuest_AndDetachLetsItRunOn()
    {
        int port = FreePort();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", SpinningKernel(), "--gdb", $"tcp::{port}", "--timeout", "60");
        try
        {
            using var client = Connect(port);
            var stream = client.GetStream();
            Assert.That(Exchange(stream, "?"), Does.StartWith("T05thread:1;"), "attaching stops the guest");
            Send(stream, "c");
            Thread.Sleep(300);
            stream.WriteByte(0x03);
            Assert.That(Receive(stream), Is.EqualTo("T02thread:1;"), "Ctrl-C stops it with SIGINT");
            string pc = Exchange(stream, "p20");
            Assert.That(GdbPacket.TryParseHexLe(pc, out ulong value) && value >= 0x8000_0000, Is.True, $"pc {pc} is in the spinning guest");
            Assert.That(Exchange(stream, "m0,4"), Does.StartWith("E"), "an unmapped address is an error reply");
            Assert.That(Exchange(stream, "qfThreadInfo"), Is.EqualTo("m1"));
            Assert.That(Exchange(stream, "D"), Is.EqualTo("OK"));
        }
        finally
        {
            Thread.Sleep(300);
            bool running = !rvemu.HasExited;
            rvemu.Kill(entireProcessTree: true);
            rvemu.WaitForExit();
            Assert.That(running, Is.True, "after detach the guest keeps running");
        }
    }

    [Test]
    public void AClientThatDisconnectsMidRun_LeavesTheGuestRunning_AndANewOneCanAttach() =>
        AnotherDebuggerAttaches_After(s =>
        {
            Assert.That(Exchange(s, "?"), Does.StartWith("T05"));
            Send(s, "Z0,80000000,4");
            Receive(s);
            s.Write("$garbage#00"u8);      // a bad checksum: answered with '-', nothing else happens
            Send(s, "c");
        });                                  // gone without a detach

    /// <summary>
    /// A debugger that continues, reads the ack and closes the connection cleanly (nothing left unread, so the
    /// stub sees a plain FIN, no reset) while the guest runs: the stub must notice, so another can attach.
    /// </summary>
    [Test]
    public void ADebuggerThatClosesCleanlyWhileTheGuestRuns_IsNoticed_AndAnotherCanAttach() =>
        AnotherDebuggerAttaches_After(s =>
        {
            Assert.That(Exchange(s, "?"), Does.StartWith("T05"));
            Send(s, "c");
            Assert.That(s.ReadByte(), Is.EqualTo('+'), "the continue is acknowledged");
        });

    /// <summary>A first debugger session on a spinning guest, which ends without a detach; then a second debugger attaches and detaches.</summary>
    private void AnotherDebuggerAttaches_After(Action<NetworkStream> firstSession)
    {
        int port = FreePort();
        var rvemu = StartRvemu("run", "--bios", "none", "--kernel", SpinningKernel(), "--gdb", $"tcp::{port}", "--timeout", "60");
        try
        {
            using (var first = Connect(port)) firstSession(first.GetStream());
            Thread.Sleep(500);
            Assert.That(rvemu.HasExited, Is.False, "the guest runs on");
            using var second = Connect(port);
            var s2 = second.GetStream();
            Assert.That(Exchange(s2, "?"), Does.StartWith("T05"), "a new debugger attaches to a stopped guest");
            Assert.That(Exchange(s2, "D"), Is.EqualTo("OK"));
        }
        finally
        {
            rvemu.Kill(entireProcessTree: true);
            rvemu.WaitForExit();
        }
    }

    [Test]
    public void PortInUse_IsOneErrorLine()
    {
        var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        try
        {
            int port = ((IPEndPoint)blocker.LocalEndpoint).Port;
            var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Hello, "--gdb", $"tcp::{port}");
            Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
            Assert.That(r.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(r.Stderr, Does.StartWith("rvemu: --gdb: cannot listen on"));
        }
        finally
        {
            blocker.Stop();
        }
        var bad = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Hello, "--gdb", "tcp::notaport");
        Assert.That((bad.ExitCode, bad.Stderr.Trim()), Is.EqualTo((2, "rvemu: --gdb: 'tcp::notaport' is not tcp::PORT, PORT or tcp:HOST:PORT")));
    }

    private static TcpClient Connect(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { return new TcpClient("127.0.0.1", port); }
            catch (SocketException) when (DateTime.UtcNow < deadline) { Thread.Sleep(100); }
        }
    }

    private static void Send(NetworkStream s, string payload)
    {
        s.Write(GdbPacket.Frame(payload));
    }

    private static string Exchange(NetworkStream s, string payload)
    {
        Send(s, payload);
        return Receive(s);
    }

    /// <summary>The next packet's payload (acks skipped; our replies are acked back).</summary>
    private static string Receive(NetworkStream s)
    {
        s.ReadTimeout = 30_000;
        var buffer = new List<byte>();
        while (true)
        {
            int b = s.ReadByte();
            if (b < 0) Assert.Fail("the stub closed the connection");
            buffer.Add((byte)b);
            var r = GdbPacket.Next(buffer.ToArray(), out int consumed, out byte[] payload);
            if (r == GdbPacket.Result.Incomplete) continue;
            buffer.RemoveRange(0, consumed);
            if (r == GdbPacket.Result.Packet)
            {
                s.WriteByte((byte)'+');
                return GdbPacket.ExpandRunLength(Encoding.Latin1.GetString(payload));
            }
        }
    }
}
