namespace RvEmu.Tests.Cli;

/// <summary>
/// Issue 5: errors a user can make with --drive get one clear line and exit code 2 (missing image,
/// image locked by another RvEmu, directory given as image, more than eight drives, unknown option
/// key), and never change a disk image.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class DriveErrorTests : CliTestBase
{
    /// <summary>hello.elf powers off at once if the drives are (wrongly) accepted, so a missed error fails fast.</summary>
    private static CliResult RunHelloWith(params string[] driveSpecs)
    {
        var args = new List<string> { "run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf") };
        foreach (var d in driveSpecs) args.AddRange(["--drive", d]);
        return RvEmuProcess.Run([.. args]);
    }

    [TestCase(false)]
    [TestCase(true)] // rvemu run with no --kernel boots the bundled guest on the given drive
    public void MissingImage(bool bundledGuest)
    {
        string path = Path.Combine(Dir, "nope.img");
        var r = bundledGuest ? RvEmuProcess.Run("run", "--drive", path) : RunHelloWith(path);
        AssertUsageError(r, path, "no such disk image");
        Assert.That(File.Exists(path), Is.False, "a missing image is never created");
    }

    [Test]
    public void DirectoryAsImage() => AssertUsageError(RunHelloWith($"file={Dir}"), Dir, "directory");

    [Test]
    public void EmptyDriveValue() => AssertUsageError(RunHelloWith(""), "--drive");

    [TestCase("cache=none", "cache")]
    [TestCase("slot=8", "slot")]
    [TestCase("slot=-1", "slot")]
    [TestCase("slot=x", "slot")]
    [TestCase("virtio=v3", "virtio")]
    [TestCase("readonly=maybe", "readonly")]
    [TestCase("readonly", "readonly")]
    public void BadDriveOption(string option, string mention)
    {
        string image = MakeImage("disk.img");
        var before = ImageSnapshot.Take(image);
        AssertUsageError(RunHelloWith($"file={image},{option}"), "--drive", mention);
        before.AssertUnchanged();
    }

    [Test]
    public void NineDrives()
    {
        var images = Enumerable.Range(0, 9).Select(i => MakeImage($"disk{i}.img")).ToArray();
        var before = images.Select(ImageSnapshot.Take).ToArray();
        AssertUsageError(RunHelloWith(images), "8", "drives");
        foreach (var b in before) b.AssertUnchanged();
    }

    [Test]
    public void TwoDrivesOnOneSlot()
    {
        string a = MakeImage("a.img"), b = MakeImage("b.img");
        var before = new[] { ImageSnapshot.Take(a), ImageSnapshot.Take(b) };
        AssertUsageError(RunHelloWith($"file={a},slot=3", $"file={b},slot=3"), "slot 3");
        foreach (var s in before) s.AssertUnchanged();
    }

    [Test]
    public void SecondDriveMissing_FirstImageUntouched()
    {
        string good = MakeImage("good.img");
        var before = ImageSnapshot.Take(good);
        string missing = Path.Combine(Dir, "missing.img");
        AssertUsageError(RunHelloWith(good, missing), missing);
        before.AssertUnchanged();
    }

    [Test]
    public void ImageLockedByAnotherRvEmu()
    {
        string image = MakeImage("shared.img");
        var before = ImageSnapshot.Take(image);
        // The first RvEmu attaches the image for writing and spins (it never touches the disk); its
        // banner on stdout says the machine is built, so the image is open and locked.
        using var first = RvEmuProcess.Start("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--drive", image, "--timeout", "60");
        try
        {
            var banner = new char[1];
            var read = first.StandardOutput.ReadAsync(banner, 0, 1);
            Assert.That(read.Wait(TimeSpan.FromSeconds(30)) && read.Result == 1 && banner[0] == 'R', Is.True,
                $"the first RvEmu did not start: {(first.HasExited ? first.StandardError.ReadToEnd() : "no output")}");

            AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", image), image, "locked");
            // Reading it while another RvEmu may write it is refused too (a shared lock against an exclusive one).
            AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", $"file={image},readonly=on"), "locked");
            Assert.That(first.HasExited, Is.False, "the first RvEmu keeps running");
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
        }
        before.AssertUnchanged();
    }

    [Test]
    public void SnapshotImage_IsSharedWithReaders_ButNotWithAWriter()
    {
        string image = MakeImage("snap.img");
        var before = ImageSnapshot.Take(image);
        // snapshot=on never writes the file, so it locks as a reader (QEMU's -snapshot does the same): two
        // snapshot runs of one image, and a read-only one beside them, are fine; a writer is refused.
        using var first = RvEmuProcess.Start("run", "--bios", "none", "--kernel", SpinningKernel('R'), "--drive", $"file={image},snapshot=on", "--timeout", "60");
        try
        {
            var banner = new char[1];
            var read = first.StandardOutput.ReadAsync(banner, 0, 1);
            Assert.That(read.Wait(TimeSpan.FromSeconds(30)) && read.Result == 1 && banner[0] == 'R', Is.True,
                $"the first RvEmu did not start: {(first.HasExited ? first.StandardError.ReadToEnd() : "no output")}");

            foreach (var spec in new[] { $"file={image},snapshot=on", $"file={image},readonly=on" })
            {
                var r = RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", spec);
                Assert.That(r.ExitCode, Is.EqualTo(0), $"{spec} beside a snapshot run: {r}");
            }
            AssertUsageError(RvEmuProcess.Run("run", "--bios", "none", "--kernel", Firmware("hello", "hello.elf"), "--drive", image), image, "locked");
            Assert.That(first.HasExited, Is.False, "the first RvEmu keeps running");
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
        }
        before.AssertUnchanged();
    }

    [Test]
    public void ReadOnlyFileWithoutReadonlyOn()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes only");
            return;
        }
        string image = MakeImage("ro.img");
        File.SetUnixFileMode(image, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            using (File.Open(image, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { }
            Assert.Ignore("file permissions do not bind this user (root): run the tests as a normal user to check this case");
        }
        catch (UnauthorizedAccessException)
        {
            // As expected: a normal user cannot write the image.
        }
        var before = ImageSnapshot.Take(image);
        AssertUsageError(RunHelloWith(image), image, "read-only");
        before.AssertUnchanged();
    }
}
