namespace RvEmu.Devices.Machine;

/// <summary>How to build and run a virt machine (the CLI's options, as data).</summary>
public sealed class MachineOptions
{
    /// <summary>Guest RAM size in bytes (multiple of 4 KiB).</summary>
    public ulong MemorySize { get; set; } = VirtMemoryMap.DefaultDramSize;

    /// <summary>Firmware file loaded at the start of DRAM (ELF or raw); takes precedence over <see cref="BiosImage"/>.</summary>
    public string? BiosPath { get; set; }

    /// <summary>
    /// Raw firmware image for the start of DRAM when <see cref="BiosPath"/> is null (e.g. <see cref="BundledFirmware.Sbi"/>).
    /// With neither, the kernel runs directly in M-mode (-bios none).
    /// </summary>
    public byte[]? BiosImage { get; set; }

    /// <summary>True if some firmware will be loaded.</summary>
    public bool HasBios => BiosPath is not null || BiosImage is not null;

    /// <summary>The kernel (ELF, or raw binary at the DRAM base or 0x8020_0000 when firmware is present).</summary>
    public string? KernelPath { get; set; }

    /// <summary>Kernel command line, placed in /chosen/bootargs.</summary>
    public string? Bootargs { get; set; }

    /// <summary>Stop after this many instructions (exit reason <see cref="ExitReason.InstructionLimit"/>).</summary>
    public ulong? MaxInstructions { get; set; }

    /// <summary>Stop after this much host time (exit reason <see cref="ExitReason.Timeout"/>).</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Derive mtime from instructions retired, for reproducible runs.</summary>
    public bool Deterministic { get; set; }

    /// <summary>Where the console (UART, HTIF) output goes.</summary>
    public Action<byte> ConsoleOutput { get; set; } = _ => { };

    /// <summary>virtio-blk drives, in command-line order.</summary>
    public IReadOnlyList<DriveOptions> Drives { get; set; } = Array.Empty<DriveOptions>();

    /// <summary>RvEmu's own diagnostics (warnings about images, guest mistakes); silent when null.</summary>
    public Serilog.ILogger? Log { get; set; }

    /// <summary>The debug trace attached with --trace, or null.</summary>
    public RvEmu.Core.Tracing.TraceLog? Trace { get; set; }

    /// <summary>Number of harts.</summary>
    public int HartCount { get; set; } = 1;

    /// <summary>
    /// Compile hot guest code to host code (<c>--jit on|off</c>). The default is on, unless the environment
    /// variable RVEMU_JIT is "off": CI runs the whole test suite both ways with it.
    /// </summary>
    public bool Jit { get; set; } = DefaultJit;

    /// <summary>Taken control transfers to one target before the JIT compiles it (<c>--jit-threshold</c>).</summary>
    public int JitThreshold { get; set; } = DefaultJitThreshold;

    /// <summary>
    /// Measured on Linux boot (firmware/linux/measure.py, 2 cores, JIT off: 1.0 s to the prompt): at a threshold of
    /// 50, 500 and 2000 the compiler thread competes with the harts over code that runs a few times (1.7-2.1 s);
    /// at 5000 1.2-1.5 s, at 20000 1.0-1.2 s, with md5sum of 16 MiB at 0.24-0.33 s instead of 1.1 s either way.
    /// The bench workloads run the same at 50 and at 20000 (their loops are hot at once).
    /// </summary>
    public const int DefaultJitThreshold = 20000;

    /// <summary>Compile on the hart's own thread, so compiled code is used from the moment it is asked for (tests).</summary>
    public bool JitSynchronous { get; set; }

    /// <summary>On unless RVEMU_JIT=off.</summary>
    public static bool DefaultJit => !string.Equals(Environment.GetEnvironmentVariable("RVEMU_JIT"), "off", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Why a run ended.</summary>
public enum ExitReason
{
    /// <summary>The guest powered off (test finisher, HTIF, SBI shutdown).</summary>
    GuestExit,
    InstructionLimit,
    Timeout,
    /// <summary>The host asked the machine to stop.</summary>
    HostStop,
}

/// <summary>How a run ended: the reason, the guest's exit code, and how much it ran.</summary>
public sealed record RunResult(ExitReason Reason, int ExitCode, string Message, ulong InstructionsRetired, TimeSpan Elapsed);
