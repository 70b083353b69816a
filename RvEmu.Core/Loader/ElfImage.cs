using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;
using RvEmu.Core.Bus;

namespace RvEmu.Core.Loader;

/// <summary>A 64-bit RISC-V ELF executable: its loadable segments, entry point and symbols.</summary>
public sealed class ElfImage
{
    /// <summary>e_machine value of RISC-V (ELFSharp has no name for it).</summary>
    private const int EmRiscv = 243;

    public sealed record Segment(ulong PhysicalAddress, byte[] Data, ulong MemorySize);

    public ulong Entry { get; }
    public IReadOnlyList<Segment> Segments { get; }
    public IReadOnlyDictionary<string, ulong> Symbols { get; }

    private ElfImage(ulong entry, IReadOnlyList<Segment> segments, IReadOnlyDictionary<string, ulong> symbols)
    {
        Entry = entry;
        Segments = segments;
        Symbols = symbols;
    }

    /// <summary>True if the file starts with the ELF magic.</summary>
    public static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(magic) == 4 && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
    }

    /// <summary>Parse <paramref name="path"/>; a <see cref="LoadException"/> says what is wrong with it.</summary>
    public static ElfImage Read(string path)
    {
        IELF? elf;
        try
        {
            if (!ELFReader.TryLoad(path, out elf) || elf is null) throw new LoadException($"{path}: not a valid ELF file");
        }
        catch (LoadException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LoadException($"{path}: cannot read: {e.Message}");
        }
        catch (Exception)
        {
            throw new LoadException($"{path}: not a valid ELF file");
        }
        using (elf)
        {
            if ((int)elf.Machine != EmRiscv) throw new LoadException($"{path}: ELF is for machine {elf.Machine}, not RISC-V");
            if (elf.Class != Class.Bit64 || elf is not ELF<ulong> elf64) throw new LoadException($"{path}: ELF is 32-bit; RvEmu runs RV64 only");
            if (elf.Endianess != ELFSharp.Endianess.LittleEndian) throw new LoadException($"{path}: ELF is big-endian");
            if (elf.Type != FileType.Executable) throw new LoadException($"{path}: ELF is not an executable (type {elf.Type})");
            var segments = new List<Segment>();
            foreach (var s in elf64.Segments)
            {
                if (s.Type != SegmentType.Load || s.Size == 0) continue;
                segments.Add(new Segment(s.PhysicalAddress, s.GetFileContents(), s.Size));
            }
            if (segments.Count == 0) throw new LoadException($"{path}: ELF has no loadable segments");
            var symbols = new Dictionary<string, ulong>();
            foreach (var table in elf64.GetSections<SymbolTable<ulong>>())
                foreach (var sym in table.Entries)
                    if (!string.IsNullOrEmpty(sym.Name) && sym.PointedSectionIndex != 0) symbols.TryAdd(sym.Name, sym.Value);
            return new ElfImage(elf64.EntryPoint, segments, symbols);
        }
    }

    /// <summary>Copy the segments into guest memory (zero-filling .bss); every byte must land in RAM or ROM.</summary>
    public void LoadInto(PhysicalBus bus, string path)
    {
        foreach (var s in Segments)
        {
            ulong size = Math.Max(s.MemorySize, (ulong)s.Data.Length);
            var mem = bus.FindMemory(s.PhysicalAddress);
            if (mem is null || !mem.Contains(s.PhysicalAddress, size))
                throw new LoadException($"{path}: segment at 0x{s.PhysicalAddress:x} (0x{size:x} bytes) lies outside guest memory");
            bus.Load(s.PhysicalAddress, s.Data);
            if (size > (ulong)s.Data.Length)
                bus.Load(s.PhysicalAddress + (ulong)s.Data.Length, new byte[size - (ulong)s.Data.Length]);
        }
    }
}
