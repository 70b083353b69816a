namespace RvEmu.Core.Isa;

/// <summary>CSR numbers and names (privileged spec 2.2, tables 2.2-2.6).</summary>
public static class CsrNames
{
    private static readonly Dictionary<int, string> Names = Build();

    private static Dictionary<int, string> Build()
    {
        var d = new Dictionary<int, string>
        {
            [0x001] = "fflags", [0x002] = "frm", [0x003] = "fcsr",
            [0xc00] = "cycle", [0xc01] = "time", [0xc02] = "instret",
            [0x100] = "sstatus", [0x104] = "sie", [0x105] = "stvec", [0x106] = "scounteren",
            [0x10a] = "senvcfg", [0x140] = "sscratch", [0x141] = "sepc", [0x142] = "scause",
            [0x143] = "stval", [0x144] = "sip", [0x14d] = "stimecmp", [0x180] = "satp",
            [0xf11] = "mvendorid", [0xf12] = "marchid", [0xf13] = "mimpid", [0xf14] = "mhartid", [0xf15] = "mconfigptr",
            [0x300] = "mstatus", [0x301] = "misa", [0x302] = "medeleg", [0x303] = "mideleg", [0x304] = "mie",
            [0x305] = "mtvec", [0x306] = "mcounteren", [0x30a] = "menvcfg", [0x320] = "mcountinhibit",
            [0x340] = "mscratch", [0x341] = "mepc", [0x342] = "mcause", [0x343] = "mtval", [0x344] = "mip",
            [0x34a] = "mtinst", [0x34b] = "mtval2",
            [0xb00] = "mcycle", [0xb02] = "minstret",
            [0x7a0] = "tselect", [0x7a1] = "tdata1", [0x7a2] = "tdata2", [0x7a3] = "tdata3",
            [0x7b0] = "dcsr", [0x7b1] = "dpc", [0x7b2] = "dscratch0", [0x7b3] = "dscratch1",
        };
        for (int i = 0; i < 16; i++) d[0x3b0 + i] = $"pmpaddr{i}";
        for (int i = 0; i < 16; i += 2) d[0x3a0 + i] = $"pmpcfg{i}";
        for (int i = 3; i < 32; i++)
        {
            d[0xc00 + i] = $"hpmcounter{i}";
            d[0xb00 + i] = $"mhpmcounter{i}";
            d[0x320 + i] = $"mhpmevent{i}";
        }
        return d;
    }

    /// <summary>The CSR's name, or its number in hex as objdump prints unknown CSRs.</summary>
    public static string Name(int csr) => Names.TryGetValue(csr, out var n) ? n : $"0x{csr:x}";
}
