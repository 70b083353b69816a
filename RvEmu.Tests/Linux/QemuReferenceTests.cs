using System.Diagnostics;
using System.Text;

namespace RvEmu.Tests.Linux;

/// <summary>
/// The same kernel and root image boot on QEMU's virt board (issue 10's reference): the guest is known
/// to be good independently of RvEmu, so a failing Linux test on RvEmu points at RvEmu.
/// </summary>
[TestFixture, Category("Linux"), Category("Reference")]
public sealed class QemuReferenceTests
{
    [Test]
    public void SameKernelAndRootImage_BootToShell_OnQemu()
    {
        string kernel = LinuxImages.Kernel;
        string image = LinuxImages.RootImage;
        Fdt.DtcTool.RequireQemu();
        var before = File.ReadAllBytes(image);
        using (var qemu = QemuConsole.Start(
            "-machine", "virt", "-m", "128M", "-nographic", "-bios", "default", "-kernel", kernel,
            "-append", "root=/dev/vda rw console=ttyS0 earlycon",
            "-drive", $"file={image},format=raw,id=hd0,if=none,snapshot=on",
            "-device", "virtio-blk-device,drive=hd0"))
        {
            qemu.WaitFor(LinuxImages.InitDone);
            qemu.WaitFor(LinuxImages.Prompt);
            qemu.Type("uname -a\r");
            Assert.That(qemu.WaitFor(LinuxImages.Prompt), Does.Match(@"Linux rvemu 6\.1\.\d+ .* riscv64"));
            qemu.Type("poweroff\r");
            Assert.That(qemu.WaitForExit(), Is.EqualTo(0), "QEMU ends with the guest's poweroff");
        }
        Assert.That(File.ReadAllBytes(image), Is.EqualTo(before), "snapshot=on kept the image unchanged");
    }

    /// <summary>qemu-system-riscv64 -nographic with its serial console on pipes.</summary>
    private sealed class QemuConsole : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private int _cursor;

        private QemuConsole(Process process)
        {
            _process = process;
            // Raw bytes, not lines: the prompt has no newline after it.
            new Thread(() => Pump(_process.StandardOutput.BaseStream)) { IsBackground = true }.Start();
            new Thread(() => Pump(_process.StandardError.BaseStream)) { IsBackground = true }.Start();
        }

        private void Pump(Stream stream)
        {
            var buffer = new byte[4096];
            int n;
            try
            {
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                    lock (_output) _output.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The process went away.
            }
        }

        public static QemuConsole Start(params string[] args)
        {
            var psi = new ProcessStartInfo("qemu-system-riscv64")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in args) psi.ArgumentList.Add(a);
            return new QemuConsole(Process.Start(psi) ?? throw new InvalidOperationException("could not start qemu-system-riscv64"));
        }

        public string WaitFor(string text, double seconds = 300)
        {
            string needle = text;
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < deadline)
            {
                lock (_output)
                {
                    string all = _output.ToString();
                    int at = all.IndexOf(needle, _cursor, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        string seen = all[_cursor..(at + needle.Length)];
                        _cursor = at + needle.Length;
                        return seen;
                    }
                }
                if (_process.HasExited) break;
                Thread.Sleep(50);
            }
            Assert.Fail($"QEMU did not print \"{text}\" within {seconds} s. Output:\n{Tail()}");
            return "";
        }

        public void Type(string text)
        {
            _process.StandardInput.Write(text);
            _process.StandardInput.Flush();
        }

        public int WaitForExit()
        {
            if (!_process.WaitForExit(TimeSpan.FromMinutes(2))) Assert.Fail($"QEMU did not exit after poweroff. Output:\n{Tail()}");
            return _process.ExitCode;
        }

        private string Tail()
        {
            lock (_output) return _output.Length > 3000 ? _output.ToString()[^3000..] : _output.ToString();
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
