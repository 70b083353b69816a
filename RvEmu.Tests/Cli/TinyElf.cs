using System.Buffers.Binary;
using System.Text;

namespace RvEmu.Tests.Cli;

/// <summary>
/// Writes minimal ELF executables by hand (System V gABI, "ELF Header", "Program Header", "Sections",
/// "Symbol Table"): one PT_LOAD segment, and a symbol table when symbols are given. Lets the CLI tests
/// make exactly the bad or odd input they need (another machine, ELFCLASS32, a segment outside RAM)
/// without a cross toolchain.
/// </summary>
internal static class TinyElf
{
    public const ushort EmX86_64 = 62;
    public const ushort EmRiscv = 243;

    private const int Ehdr64Size = 64, Phdr64Size = 56, Shdr64Size = 64, Sym64Size = 24;
    private const int Ehdr32Size = 52, Phdr32Size = 32;
    private const uint PtLoad = 1, PfRwx = 7;
    private const uint ShtProgbits = 1, ShtSymtab = 2, ShtStrtab = 3;
    private const ulong ShfAlloc = 2, ShfExecinstr = 4, ShfWrite = 1;

    /// <summary>
    /// An ELFCLASS64 little-endian ET_EXEC: <paramref name="image"/> loaded at <paramref name="address"/>
    /// (p_memsz <paramref name="memorySize"/>, zero-filled past the image), entry at the address, and
    /// sections .text, .symtab, .strtab, .shstrtab so symbols (e.g. begin_signature) can be found.
    /// </summary>
    public static byte[] Build64(ulong address, byte[] image, ulong? memorySize = null, ushort machine = EmRiscv,
        IReadOnlyDictionary<string, ulong>? symbols = null)
    {
        symbols ??= new Dictionary<string, ulong>();
        const int imageOffset = 0x1000; // page-aligned file offset, as linkers place the first segment

        // .strtab: "\0" then each symbol name; .shstrtab: "\0" then the section names.
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        var nameOffsets = new List<(uint Name, ulong Value)>();
        foreach (var (name, value) in symbols)
        {
            nameOffsets.Add(((uint)strtab.Length, value));
            strtab.Write(Encoding.ASCII.GetBytes(name + "\0"));
        }
        var shstrtab = new MemoryStream();
        shstrtab.WriteByte(0);
        uint ShName(string n)
        {
            uint at = (uint)shstrtab.Length;
            shstrtab.Write(Encoding.ASCII.GetBytes(n + "\0"));
            return at;
        }
        uint textName = ShName(".text"), symtabName = ShName(".symtab"), strtabName = ShName(".strtab"), shstrtabName = ShName(".shstrtab");

        // .symtab: the null symbol, then one STB_GLOBAL/STT_NOTYPE symbol per name, defined in .text (section 1).
        var symtab = new byte[Sym64Size * (1 + nameOffsets.Count)];
        for (int i = 0; i < nameOffsets.Count; i++)
        {
            var s = symtab.AsSpan(Sym64Size * (i + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(s, nameOffsets[i].Name);
            s[4] = 0x10; // st_info: STB_GLOBAL << 4 | STT_NOTYPE
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], 1); // st_shndx: .text
            BinaryPrimitives.WriteUInt64LittleEndian(s[8..], nameOffsets[i].Value);
        }

        int symtabOffset = imageOffset + image.Length;
        symtabOffset = (symtabOffset + 7) & ~7;
        int strtabOffset = symtabOffset + symtab.Length;
        int shstrtabOffset = strtabOffset + (int)strtab.Length;
        int shOffset = (shstrtabOffset + (int)shstrtab.Length + 7) & ~7;
        const int sectionCount = 5;
        var file = new byte[shOffset + sectionCount * Shdr64Size];

        WriteIdent(file, elfClass: 2);
        var eh = file.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(eh[16..], 2); // e_type: ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(eh[18..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(eh[20..], 1); // e_version
        BinaryPrimitives.WriteUInt64LittleEndian(eh[24..], address); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(eh[32..], Ehdr64Size); // e_phoff
        BinaryPrimitives.WriteUInt64LittleEndian(eh[40..], (ulong)shOffset); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(eh[52..], Ehdr64Size);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[54..], Phdr64Size);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[56..], 1); // e_phnum
        BinaryPrimitives.WriteUInt16LittleEndian(eh[58..], Shdr64Size);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[60..], sectionCount);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[62..], 4); // e_shstrndx

        var ph = file.AsSpan(Ehdr64Size);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, PtLoad);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], PfRwx);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], imageOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], address); // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], address); // p_paddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], memorySize ?? (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);

        image.CopyTo(file, imageOffset);
        symtab.CopyTo(file, symtabOffset);
        strtab.ToArray().CopyTo(file, strtabOffset);
        shstrtab.ToArray().CopyTo(file, shstrtabOffset);

        void Section(int index, uint name, uint type, ulong flags, ulong addr, int offset, long size, uint link = 0, uint info = 0, ulong entsize = 0)
        {
            var sh = file.AsSpan(shOffset + index * Shdr64Size);
            BinaryPrimitives.WriteUInt32LittleEndian(sh, name);
            BinaryPrimitives.WriteUInt32LittleEndian(sh[4..], type);
            BinaryPrimitives.WriteUInt64LittleEndian(sh[8..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(sh[16..], addr);
            BinaryPrimitives.WriteUInt64LittleEndian(sh[24..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(sh[32..], (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(sh[40..], link);
            BinaryPrimitives.WriteUInt32LittleEndian(sh[44..], info);
            BinaryPrimitives.WriteUInt64LittleEndian(sh[48..], 1); // sh_addralign
            BinaryPrimitives.WriteUInt64LittleEndian(sh[56..], entsize);
        }
        // Section 0 stays all zero (SHN_UNDEF).
        Section(1, textName, ShtProgbits, ShfAlloc | ShfExecinstr | ShfWrite, address, imageOffset, image.Length);
        // sh_link: the string table; sh_info: index of the first non-local symbol (all are global).
        Section(2, symtabName, ShtSymtab, 0, 0, symtabOffset, symtab.Length, link: 3, info: 1, entsize: Sym64Size);
        Section(3, strtabName, ShtStrtab, 0, 0, strtabOffset, strtab.Length);
        Section(4, shstrtabName, ShtStrtab, 0, 0, shstrtabOffset, shstrtab.Length);
        return file;
    }

    /// <summary>An ELFCLASS32 little-endian ET_EXEC for <paramref name="machine"/> with one PT_LOAD segment and no sections.</summary>
    public static byte[] Build32(uint address, byte[] image, ushort machine = EmRiscv)
    {
        const int imageOffset = 0x1000;
        var file = new byte[imageOffset + image.Length];
        WriteIdent(file, elfClass: 1);
        var eh = file.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(eh[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(eh[18..], machine);
        BinaryPrimitives.WriteUInt32LittleEndian(eh[20..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(eh[24..], address); // e_entry
        BinaryPrimitives.WriteUInt32LittleEndian(eh[28..], Ehdr32Size); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(eh[40..], Ehdr32Size);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[42..], Phdr32Size);
        BinaryPrimitives.WriteUInt16LittleEndian(eh[44..], 1); // e_phnum
        BinaryPrimitives.WriteUInt16LittleEndian(eh[46..], 40); // e_shentsize
        var ph = file.AsSpan(Ehdr32Size);
        BinaryPrimitives.WriteUInt32LittleEndian(ph, PtLoad);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], imageOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], address);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], address);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], (uint)image.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], (uint)image.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], PfRwx);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[28..], 0x1000);
        image.CopyTo(file, imageOffset);
        return file;
    }

    /// <summary>e_ident: magic, class, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE.</summary>
    private static void WriteIdent(byte[] file, byte elfClass)
    {
        file[0] = 0x7f;
        file[1] = (byte)'E';
        file[2] = (byte)'L';
        file[3] = (byte)'F';
        file[4] = elfClass;
        file[5] = 1;
        file[6] = 1;
    }
}
