using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using RvEmu.Tests.Cli;
using RvEmu.Tests.Support;

namespace RvEmu.Tests.Stress;

/// <summary>
/// Issue 12, durability measured: RvEmu is killed with SIGKILL at random moments while the durability guest
/// (firmware/durability) writes numbered records to its disk, flushes, and prints which records a completed
/// FLUSH acknowledged. After every kill: every acknowledged record is on the disk (its slot holds it or a newer
/// record), every record is whole, the guest of the next run finds them all, and no byte outside the record
/// sectors changed.
/// </summary>
/// <remarks>
/// The long campaign (default 1000 kills; RVEMU_DURABILITY_KILLS and RVEMU_DURABILITY_SEED change it):
/// <c>dotnet test RvEmu.sln -c Release --filter "Category=Stress&amp;FullyQualifiedName~Durability"</c>.
/// A five-kill smoke run is part of the ordinary suite.
/// </remarks>
[TestFixture]
public sealed class DurabilityTests
{
    private const int Slots = 64, GuardSectors = 64, Sector = 512;
    private const ulong Magic = 0x454c494241525544UL; // "DURABILE", as durability.c

    [Test]
    public void FiveKills_LoseNothingAcknowledged() => Campaign(5, seed: 1);

    [Test, Category("Stress"), Explicit("long: about a second per kill; see the class remarks for the command")]
    public void ThousandKills_LoseNothingAcknowledged()
    {
        int kills = int.TryParse(Environment.GetEnvironmentVariable("RVEMU_DURABILITY_KILLS"), out int k) ? k : 1000;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("RVEMU_DURABILITY_SEED"), out int s) ? s : 12;
        Campaign(kills, seed);
    }

    private static void Campaign(int kills, int seed)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) Assert.Ignore("SIGKILL semantics are checked on Unix");
        string elf = RepoPaths.Combine("firmware", "durability", "durability.elf");
        string dir = Directory.CreateTempSubdirectory("rvemu-durability-").FullName;
        try
        {
            var rng = new Random(seed);
            string image = Path.Combine(dir, "disk.img");
            var guard = new byte[GuardSectors * Sector];
            rng.NextBytes(guard);
            File.WriteAllBytes(image, [.. new byte[Slots * Sector], .. guard]);

            ulong acked = 0; // every record up to this one was acknowledged durable
            long acks = 0, records = 0;
            var clock = Stopwatch.StartNew();
            for (int kill = 0; kill < kills; kill++)
            {
                using var p = RvEmuProcess.Start("run", "--bios", "none", "--kernel", elf, "--drive", image);
                var first = p.StandardOutput.ReadLineAsync();
                if (!first.Wait(TimeSpan.FromSeconds(60)) || first.Result is not { } ready || !ready.StartsWith("R ", StringComparison.Ordinal))
                {
                    p.Kill();
                    Assert.Fail($"kill {kill}: the guest did not start: {first.Result} {p.StandardError.ReadToEnd()}");
                    return;
                }
                ulong start = ulong.Parse(ready.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                Assert.That(start, Is.GreaterThan(acked), $"kill {kill}: the guest restarted at record {start}, so it did not find acknowledged record {acked}");
                var rest = p.StandardOutput.ReadToEndAsync();
                Thread.Sleep(rng.Next(0, 400));
                p.Kill(); // SIGKILL
                p.WaitForExit();
                foreach (var line in rest.Result.Split('\n'))
                {
                    if (line.StartsWith('F')) Assert.Fail($"kill {kill}: the guest saw a failed request: {line}");
                    // A line cut short by the kill is ignored: the record it names is covered by the next check anyway.
                    if (line.Length == 18 && line.StartsWith("A ", StringComparison.Ordinal))
                    {
                        acked = Math.Max(acked, ulong.Parse(line.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        acks++;
                    }
                }
                records += Check(File.ReadAllBytes(image), guard, acked, kill);
            }
            TestContext.Out.WriteLine($"durability: {kills} SIGKILLs in {clock.Elapsed.TotalSeconds:0} s, {acks} FLUSH acknowledgements, " +
                $"newest acknowledged record {acked}, {records} slot checks, 0 acknowledged records lost, 0 bytes changed outside the record sectors");
            Assert.That(acked, Is.GreaterThan(0UL), "the guest acknowledged nothing: the campaign proved nothing");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Check the image after a kill; returns the number of slots checked.</summary>
    private static int Check(byte[] disk, byte[] guard, ulong acked, int kill)
    {
        Assert.That(disk.Length, Is.EqualTo((Slots + GuardSectors) * Sector), "the image never changes size");
        int changed = disk.AsSpan(Slots * Sector).CommonPrefixLength(guard);
        if (changed < guard.Length) Assert.Fail($"kill {kill}: byte {Slots * Sector + changed} outside the record sectors changed");
        for (int slot = 0; slot < Slots; slot++)
        {
            var s = disk.AsSpan(slot * Sector, Sector);
            // The newest acknowledged record that belongs in this slot (records n go to slot n % Slots).
            ulong required = acked >= (ulong)slot ? acked - (acked - (ulong)slot) % Slots : 0;
            ulong magic = BinaryPrimitives.ReadUInt64LittleEndian(s);
            if (magic == 0 && s.IndexOfAnyExcept((byte)0) < 0)
            {
                if (required != 0) Assert.Fail($"kill {kill}: slot {slot} is empty but record {required} was acknowledged");
                continue;
            }
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
            if (magic != Magic || n % Slots != (ulong)slot || BinaryPrimitives.ReadUInt64LittleEndian(s[16..]) != (ulong)slot)
                Assert.Fail($"kill {kill}: slot {slot} holds no whole record (magic 0x{magic:x}, n {n})");
            for (int i = 24; i < Sector; i++)
            {
                if (s[i] != (byte)(n * 131 + (ulong)i * 7)) Assert.Fail($"kill {kill}: slot {slot}, record {n}: byte {i} is torn");
            }
            if (n < required) Assert.Fail($"kill {kill}: slot {slot} holds record {n}, but record {required} was acknowledged: lost");
        }
        return Slots;
    }
}
