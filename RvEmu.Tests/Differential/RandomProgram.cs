namespace RvEmu.Tests.Differential;

/// <summary>
/// A seeded generator of random but valid RV64GC machine-mode programs for lock-step comparison against
/// QEMU (issue 12). The same seed gives the same bytes. A program is a raw image for 0x8000_0000:
/// <list type="number">
/// <item>a prologue that installs a trap handler, loads every register from a table of random and special
/// values (integer and floating point), sets the rounding mode and points x30 at a 4 KiB data sandbox;</item>
/// <item>the body: <see cref="Length"/> random instructions — RV64I, M, A (AMOs and constrained LR/SC),
/// F and D with every rounding mode and special values, compressed forms, loads and stores of every
/// width, aligned and misaligned, CSR reads and writes, forward branches and jumps, ecall, ebreak and
/// illegal instructions (the handler skips them);</item>
/// <item>a store of 0x5555 to the SiFive test finisher, which ends the run on both machines.</item>
/// </list>
/// Registers x29 (address temporary), x30 (sandbox base) and x31 (handler temporary) are never the
/// destination of a random instruction, so every access stays in the sandbox and the handler always works.
/// </summary>
internal sealed class RandomProgram
{
    public const ulong Base = 0x8000_0000;
    /// <summary>The sandbox is [SandboxBase, SandboxBase + 4 KiB); x30 points at its middle (+ 2048).</summary>
    public const ulong SandboxBase = Base + 0x1_0000;

    private readonly Random _rng;
    private readonly List<byte> _bytes = new();

    public int Seed { get; }
    public int Length { get; }
    /// <summary>Address of the first body instruction: the comparison starts there.</summary>
    public ulong BodyStart { get; private set; }
    public byte[] Image => _bytes.ToArray();

    // Registers a random instruction may write.
    private const int Temp = 29, SandboxReg = 30, HandlerReg = 31;

    /// <summary>Privilege the body runs in: 3 (M, no translation), 1 (S) or 0 (U), both under Sv39.</summary>
    public int Mode { get; }

    // Sv39 page tables (privileged spec 4.4), in the image: root, one level-1 and one level-0 table.
    private const int RootOffset = 0x2_0000, Level1Offset = 0x2_1000, Level0Offset = 0x2_2000, ImageSize = 0x2_3000;
    /// <summary>Virtual address of the sandbox page under Sv39 (a 4 KiB leaf, random permissions and A/D bits).</summary>
    public const ulong SandboxVirtual = 0x4000_0000;

    public RandomProgram(int seed, int length, int mode = 3)
    {
        Seed = seed;
        Length = length;
        Mode = mode;
        _rng = new Random(seed);
        Build();
    }

    private ulong Pc => Base + (ulong)_bytes.Count;

    private void Emit32(uint w)
    {
        for (int i = 0; i < 4; i++) _bytes.Add((byte)(w >> (8 * i)));
    }

    private void Emit16(uint w)
    {
        _bytes.Add((byte)w);
        _bytes.Add((byte)(w >> 8));
    }

    // ---- encodings (unprivileged spec ch. 2, 34 "RV32/64G Instruction Set Listings") ----
    private static uint R(uint op, int rd, uint f3, int rs1, int rs2, uint f7) =>
        f7 << 25 | (uint)rs2 << 20 | (uint)rs1 << 15 | f3 << 12 | (uint)rd << 7 | op;
    private static uint I(uint op, int rd, uint f3, int rs1, long imm) =>
        ((uint)imm & 0xfff) << 20 | (uint)rs1 << 15 | f3 << 12 | (uint)rd << 7 | op;
    private static uint S(uint op, uint f3, int rs1, int rs2, long imm) =>
        (((uint)imm >> 5) & 0x7f) << 25 | (uint)rs2 << 20 | (uint)rs1 << 15 | f3 << 12 | ((uint)imm & 0x1f) << 7 | op;
    private static uint B(uint f3, int rs1, int rs2, int imm) =>
        (((uint)imm >> 12) & 1) << 31 | (((uint)imm >> 5) & 0x3f) << 25 | (uint)rs2 << 20 | (uint)rs1 << 15 | f3 << 12
        | (((uint)imm >> 1) & 0xf) << 8 | (((uint)imm >> 11) & 1) << 7 | 0x63;
    private static uint Jal(int rd, int imm) =>
        (((uint)imm >> 20) & 1) << 31 | (((uint)imm >> 1) & 0x3ff) << 21 | (((uint)imm >> 11) & 1) << 20
        | (((uint)imm >> 12) & 0xff) << 12 | (uint)rd << 7 | 0x6f;
    private static uint Csr(uint f3, int rd, int rs1, int csr) => (uint)csr << 20 | (uint)rs1 << 15 | f3 << 12 | (uint)rd << 7 | 0x73;

    private int AnyReg() => _rng.Next(0, 32) is var r && r >= Temp ? _rng.Next(1, Temp) : r;   // a source
    private int DestReg() => _rng.Next(1, Temp);                                                // never x0, x29-x31
    private int FReg() => _rng.Next(0, 32);
    private int Rm() => new[] { 0, 1, 2, 3, 4, 7, 7 }[_rng.Next(7)];                             // 7 = dynamic (frm)

    private static readonly ulong[] IntSpecials =
    {
        0, 1, ulong.MaxValue, 0x8000_0000_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000, 0x7fff_ffff, 0xffff_ffff,
        0xffff_ffff_8000_0000, 2, 63, 64, 31, 32,
    };

    private static readonly ulong[] FpSpecials =
    {
        0, 0x8000_0000_0000_0000, 0x3ff0_0000_0000_0000, 0xbff8_0000_0000_0000, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000,
        0x7ff8_0000_0000_0000, 0x7ff4_0000_0000_0000, 0x0000_0000_0000_0001, 0x7fef_ffff_ffff_ffff, 0x0010_0000_0000_0000,
        0x4330_0000_0000_0000, 0xc3e0_0000_0000_0000, 0x43e0_0000_0000_0000,
        // NaN-boxed singles: 1.0f, -0.0f, inf, qNaN, sNaN, smallest subnormal, 2^31, 3.5
        0xffff_ffff_3f80_0000, 0xffff_ffff_8000_0000, 0xffff_ffff_7f80_0000, 0xffff_ffff_7fc0_0000, 0xffff_ffff_7fa0_0000,
        0xffff_ffff_0000_0001, 0xffff_ffff_4f00_0000, 0xffff_ffff_4060_0000,
        0x0000_0000_3f80_0000, // a single that is not NaN-boxed: reads as the canonical NaN
    };

    private ulong RandomInt() => _rng.Next(3) == 0 ? IntSpecials[_rng.Next(IntSpecials.Length)] : (ulong)_rng.NextInt64() ^ ((ulong)_rng.Next() << 63);
    private ulong RandomFp() => _rng.Next(2) == 0 ? FpSpecials[_rng.Next(FpSpecials.Length)]
        : _rng.Next(2) == 0 ? BitConverter.DoubleToUInt64Bits((_rng.NextDouble() - 0.5) * Math.Pow(2, _rng.Next(-60, 60)))
        : 0xffff_ffff_0000_0000 | BitConverter.SingleToUInt32Bits((float)((_rng.NextDouble() - 0.5) * Math.Pow(2, _rng.Next(-30, 30))));

    private void Build()
    {
        // Prologue. x31 = table address; the table holds 31 integer and 32 FP initial values.
        Emit32(0x0000_0f97);                            // auipc x31, 0
        int tableOffset = 8;                            // after auipc and jal
        int tableBytes = (31 + 32) * 8;
        Emit32(Jal(0, 4 + tableBytes));                 // jal x0, over the table
        var table = new ulong[63];
        for (int i = 0; i < 31; i++) table[i] = RandomInt();
        for (int i = 0; i < 32; i++) table[31 + i] = RandomFp();
        foreach (ulong v in table) for (int b = 0; b < 8; b++) _bytes.Add((byte)(v >> (8 * b)));

        // mstatus.FS = initial (priv 3.1.6.6) so the F/D instructions are legal.
        Emit32(I(0x13, Temp, 0, 0, 1));                 // addi x29, x0, 1
        Emit32(I(0x13, Temp, 1, Temp, 13));             // slli x29, x29, 13
        Emit32(Csr(2, 0, Temp, 0x300));                 // csrrs x0, mstatus, x29
        for (int f = 0; f < 32; f++)
        {
            Emit32(I(0x03, Temp, 3, 31, tableOffset + (31 + f) * 8)); // ld x29, table[31+f](x31)
            Emit32(R(0x53, f, 0, Temp, 0, 0x79));                       // fmv.d.x f, x29
        }
        // The trap handler's address into mtvec: auipc-relative, placed after the prologue.
        int handlerFixup = _bytes.Count;
        Emit32(0);                                      // auipc x29, 0 (patched below)
        Emit32(0);                                      // addi x29, x29, handler (patched)
        Emit32(Csr(1, 0, Temp, 0x305));                 // csrrw x0, mtvec, x29
        Emit32(Csr(5, 0, _rng.Next(5), 0x002));         // csrrwi x0, frm, a legal rounding mode
        // x30: the sandbox's middle.
        Emit32(0x0001_0f37);                            // lui x30, 0x10
        Emit32(R(0x33, SandboxReg, 0, SandboxReg, 31, 0)); // add x30, x30, x31
        Emit32(I(0x13, SandboxReg, 0, SandboxReg, 0x7ff)); // addi x30, x30, 2047
        Emit32(I(0x13, SandboxReg, 0, SandboxReg, 1));     // addi x30, x30, 1: the page's middle
        for (int r = 1; r <= 28; r++) Emit32(I(0x03, r, 3, 31, tableOffset + (r - 1) * 8)); // ld xr, table[r-1](x31)
        Emit32(I(0x03, Temp, 3, 31, tableOffset + 28 * 8));
        Emit32(Jal(0, 4 + 80));                          // jal over the two handlers (10 instructions each)
        ulong handler = Pc;
        Handler(supervisor: false);
        ulong supervisorHandler = Pc;
        Handler(supervisor: true);
        long rel = (long)(handler - (Base + (ulong)handlerFixup));
        Patch(handlerFixup, 0x17 | (uint)Temp << 7);     // auipc x29, 0
        Patch(handlerFixup + 4, I(0x13, Temp, 0, Temp, rel));
        if (Mode != 3) EnterMode(supervisorHandler);

        BodyStart = Pc;
        for (int i = 0; i < Length; i++) Random();

        // End: the finisher's PASS (0x5555) ends the run on both machines.
        Emit32(0x0010_0eb7);                            // lui x29, 0x100
        Emit32(0x0000_5f37);                            // lui x30, 0x5
        Emit32(I(0x13, SandboxReg, 0, SandboxReg, 0x555)); // addi x30, x30, 0x555
        Emit32(S(0x23, 2, Temp, SandboxReg, 0));        // sw x30, 0(x29)
        Emit32(Jal(0, 0));                              // j . (in case the finisher is slow to act)
        if (Mode != 3) PageTables();
    }

    /// <summary>x29 = a value below 2^31 (lui + addiw).</summary>
    private void Li(int rd, long value)
    {
        long hi = (value + 0x800) >> 12, lo = value - (hi << 12);
        Emit32((uint)(hi & 0xfffff) << 12 | (uint)rd << 7 | 0x37);
        Emit32(I(0x1b, rd, 0, rd, lo));
    }

    /// <summary>
    /// Leave M-mode for S or U under Sv39: PMP open to all (an S/U access with no matching entry fails, 3.7.1),
    /// random delegation to the S handler (S-mode bodies only: a U-mode body's code page is a U page, which
    /// S-mode may not execute), satp, MPP, random SUM and MXR, then mret to the body.
    /// </summary>
    private void EnterMode(ulong supervisorHandler)
    {
        Emit32(I(0x13, Temp, 0, 0, -1));               // addi x29, x0, -1
        Emit32(I(0x13, Temp, 5, Temp, 10));            // srli x29, x29, 10: NAPOT over everything
        Emit32(Csr(1, 0, Temp, 0x3b0));                // pmpaddr0
        Emit32(I(0x13, Temp, 0, 0, 0x1f));             // NAPOT | X | W | R
        Emit32(Csr(1, 0, Temp, 0x3a0));                // pmpcfg0
        long deleg = 0;
        if (Mode == 1)
            foreach (int cause in new[] { 0, 2, 3, 4, 5, 6, 7, 8, 12, 13, 15 })
                if (_rng.Next(2) == 0) deleg |= 1L << cause;
        // A faulting AMO is a store/AMO exception on RvEmu (the spec) and, for misalignment and pages it may not
        // read, a load exception on QEMU 7.2 (see Lockstep's rules): delegate each pair together so that both
        // machines take it to the same handler.
        // Likewise an AMO's page fault (15 against 13) and access fault (7 against 5).
        foreach (var (store, load) in new[] { (6, 4), (15, 13), (7, 5) })
            if ((deleg & (1L << store | 1L << load)) != 0) deleg |= 1L << store | 1L << load;
        Li(Temp, deleg);
        Emit32(Csr(1, 0, Temp, 0x302));                // medeleg
        long rel = (long)(supervisorHandler - Pc);
        Emit32(0x17 | (uint)Temp << 7);                // auipc x29, 0
        Emit32(I(0x13, Temp, 0, Temp, rel));
        Emit32(Csr(1, 0, Temp, 0x105));                // stvec
        Li(Temp, (long)((Base + RootOffset) >> 12));   // satp.PPN
        Emit32(I(0x13, HandlerReg, 0, 0, 8));
        Emit32(I(0x13, HandlerReg, 1, HandlerReg, 60));
        Emit32(R(0x33, Temp, 6, Temp, HandlerReg, 0)); // or: MODE = Sv39
        Emit32(Csr(1, 0, Temp, 0x180));                // satp
        Emit32(0x1200_0073);                           // sfence.vma
        Li(Temp, 0x1800);
        Emit32(Csr(3, 0, Temp, 0x300));                // clear MPP
        Li(Temp, (long)Mode << 11 | (long)_rng.Next(2) << 18 | (long)_rng.Next(2) << 19); // MPP, SUM, MXR
        Emit32(Csr(2, 0, Temp, 0x300));
        Emit32(0x4000_0f37);                           // lui x30, 0x40000: the sandbox's virtual page
        Emit32(I(0x13, SandboxReg, 0, SandboxReg, 0x7ff));
        Emit32(I(0x13, SandboxReg, 0, SandboxReg, 1));
        Emit32(0x17 | (uint)Temp << 7);                // auipc x29, 0
        Emit32(I(0x13, Temp, 0, Temp, 16));            // + 16: the body, after these four instructions
        Emit32(Csr(1, 0, Temp, 0x341));                // mepc
        Emit32(0x3020_0073);                           // mret
    }

    /// <summary>Sv39 tables: VA 0 (devices) and VA 0x8000_0000 (code) as gigapages, the sandbox as a 4 KiB leaf.</summary>
    private void PageTables()
    {
        if (_bytes.Count > 0x1_0000) throw new InvalidOperationException("the program overlaps the sandbox");
        while (_bytes.Count < ImageSize) _bytes.Add(0);
        const ulong V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;
        ulong user = Mode == 0 ? U : 0;
        void Pte(int offset, ulong value)
        {
            for (int b = 0; b < 8; b++) _bytes[offset + b] = (byte)(value >> (8 * b));
        }
        Pte(RootOffset + 0 * 8, (0UL >> 12) << 10 | V | R | W | A | D | user);
        Pte(RootOffset + 1 * 8, ((Base + Level1Offset) >> 12) << 10 | V);
        Pte(RootOffset + 2 * 8, (Base >> 12) << 10 | V | R | W | X | A | D | user);
        Pte(Level1Offset, ((Base + Level0Offset) >> 12) << 10 | V);
        ulong rwx = new[] { R, R | W, R | X, R | W | X, X }[_rng.Next(5)];
        ulong u = Mode == 0 ? (_rng.Next(10) == 0 ? 0 : U) : (_rng.Next(4) == 0 ? U : 0);
        ulong a = _rng.Next(5) == 0 ? 0 : A, d = _rng.Next(5) < 2 ? 0 : D;
        Pte(Level0Offset, (SandboxBase >> 12) << 10 | V | rwx | u | a | d);
    }

    private void Patch(int offset, uint w)
    {
        for (int i = 0; i < 4; i++) _bytes[offset + i] = (byte)(w >> (8 * i));
    }

    /// <summary>xepc += the length of the trapping instruction (2 or 4), then xret. Ten 4-byte instructions.</summary>
    private void Handler(bool supervisor)
    {
        int epc = supervisor ? 0x141 : 0x341;
        Emit32(Csr(2, HandlerReg, 0, epc));              // csrr x31, xepc
        Emit32(I(0x03, Temp, 5, HandlerReg, 0));        // lhu x29, 0(x31)
        Emit32(I(0x13, Temp, 7, Temp, 3));              // andi x29, x29, 3
        Emit32(I(0x13, HandlerReg, 0, HandlerReg, 2));  // addi x31, x31, 2
        Emit32(I(0x13, Temp, 0, Temp, -3));             // addi x29, x29, -3
        Emit32(B(1, Temp, 0, 8));                       // bne x29, x0, +8
        Emit32(I(0x13, HandlerReg, 0, HandlerReg, 2));  // addi x31, x31, 2
        Emit32(Csr(1, 0, HandlerReg, epc));             // csrw xepc, x31
        Emit32(supervisor ? 0x1020_0073u : 0x3020_0073u); // sret / mret
        Emit32(0x0000_0013);                            // nop (pads the handler to ten instructions)
    }

    /// <summary>One random instruction (or a short group: a branch and what it skips, an LR/SC sequence).</summary>
    private void Random()
    {
        int kind = _rng.Next(100);
        if (kind < 22) AluRegReg();
        else if (kind < 36) AluImm();
        else if (kind < 44) MulDiv();
        else if (kind < 56) LoadStore();
        else if (kind < 62) Amo();
        else if (kind < 64) LrSc();
        else if (kind < 78) Float();
        else if (kind < 86) Compressed();
        else if (kind < 91) Branch();
        else if (kind < 96) CsrAccess();
        else Trapping();
    }

    private void AluRegReg()
    {
        var ops = new (uint F3, uint F7, bool Word)[]
        {
            (0, 0, false), (0, 0x20, false), (1, 0, false), (2, 0, false), (3, 0, false), (4, 0, false), (5, 0, false),
            (5, 0x20, false), (6, 0, false), (7, 0, false), (0, 0, true), (0, 0x20, true), (1, 0, true), (5, 0, true), (5, 0x20, true),
        };
        var o = ops[_rng.Next(ops.Length)];
        Emit32(R(o.Word ? 0x3bu : 0x33u, DestReg(), o.F3, AnyReg(), AnyReg(), o.F7));
    }

    private void AluImm()
    {
        int rd = DestReg(), rs1 = AnyReg();
        switch (_rng.Next(9))
        {
            case 0: Emit32((uint)(_rng.Next(1 << 20) << 12) | (uint)rd << 7 | 0x37); break;  // lui
            case 1: Emit32((uint)(_rng.Next(1 << 20) << 12) | (uint)rd << 7 | 0x17); break;  // auipc
            case 2: Emit32(I(0x13, rd, 1, rs1, _rng.Next(64))); break;                      // slli
            case 3: Emit32(I(0x13, rd, 5, rs1, _rng.Next(64) | (_rng.Next(2) << 10))); break; // srli/srai
            case 4: Emit32(I(0x1b, rd, 0, rs1, _rng.Next(-2048, 2048))); break;             // addiw
            case 5: Emit32(I(0x1b, rd, 1, rs1, _rng.Next(32))); break;                       // slliw
            case 6: Emit32(I(0x1b, rd, 5, rs1, _rng.Next(32) | (_rng.Next(2) << 10))); break; // srliw/sraiw
            default: Emit32(I(0x13, rd, new uint[] { 0, 2, 3, 4, 6, 7 }[_rng.Next(6)], rs1, _rng.Next(-2048, 2048))); break;
        }
    }

    private void MulDiv()
    {
        bool word = _rng.Next(3) == 0;
        uint f3 = word ? new uint[] { 0, 4, 5, 6, 7 }[_rng.Next(5)] : (uint)_rng.Next(8);
        Emit32(R(word ? 0x3bu : 0x33u, DestReg(), f3, AnyReg(), AnyReg(), 1));
    }

    private void LoadStore()
    {
        // Offsets reach the whole 4 KiB sandbox; a third of them are misaligned for their width.
        int width = _rng.Next(4);
        int size = 1 << width;
        // x30 is the sandbox page + 2048: pick the byte in the page, keep the whole access in it.
        int inPage = _rng.Next(0, 4096 - size + 1);
        if (_rng.Next(3) != 0) inPage &= ~(size - 1);
        int offset = inPage - 2048;
        if (_rng.Next(2) == 0)
        {
            uint f3 = (uint)width | (width < 3 && _rng.Next(2) == 0 ? 4u : 0u); // lb/lh/lw/ld, lbu/lhu/lwu
            Emit32(I(0x03, DestReg(), f3, SandboxReg, offset));
        }
        else if (width >= 2 && _rng.Next(4) == 0)
        {
            // flw/fsw, fld/fsd
            if (_rng.Next(2) == 0) Emit32(I(0x07, FReg(), (uint)width, SandboxReg, offset));
            else Emit32(S(0x27, (uint)width, SandboxReg, FReg(), offset));
        }
        else
        {
            Emit32(S(0x23, (uint)width, SandboxReg, AnyReg(), offset));
        }
    }

    /// <summary>x29 = sandbox address (aligned, or now and then not: a misaligned AMO must trap alike).</summary>
    private void AtomicAddress(int size)
    {
        int inPage = _rng.Next(0, 4096 - size + 1) & ~(size - 1);
        if (_rng.Next(12) == 0) inPage += 2;
        Emit32(I(0x13, Temp, 0, SandboxReg, inPage - 2048));
    }

    private void Amo()
    {
        bool dword = _rng.Next(2) == 0;
        AtomicAddress(dword ? 8 : 4);
        uint funct5 = new uint[] { 0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c }[_rng.Next(9)];
        uint f7 = funct5 << 2 | (uint)_rng.Next(4); // aq, rl
        Emit32(R(0x2f, DestReg(), dword ? 3u : 2u, Temp, AnyReg(), f7));
    }

    /// <summary>A constrained LR/SC sequence (8.3): LR, up to three base integer instructions, SC, no loads or stores between.</summary>
    private void LrSc()
    {
        bool dword = _rng.Next(2) == 0;
        AtomicAddress(dword ? 8 : 4);
        uint f3 = dword ? 3u : 2u;
        Emit32(R(0x2f, DestReg(), f3, Temp, 0, 0x02 << 2));
        for (int i = _rng.Next(4); i > 0; i--) AluRegReg();
        Emit32(R(0x2f, DestReg(), f3, Temp, AnyReg(), 0x03 << 2));
    }

    private void Float()
    {
        bool dbl = _rng.Next(2) == 0;
        uint fmt = dbl ? 1u : 0u;
        int rd = FReg(), rs1 = FReg(), rs2 = FReg();
        switch (_rng.Next(12))
        {
            case 0: Emit32(R(0x53, rd, (uint)Rm(), rs1, rs2, 0x00 | fmt)); break;                  // fadd
            case 1: Emit32(R(0x53, rd, (uint)Rm(), rs1, rs2, 0x04 | fmt)); break;                  // fsub
            case 2: Emit32(R(0x53, rd, (uint)Rm(), rs1, rs2, 0x08 | fmt)); break;                  // fmul
            case 3: Emit32(R(0x53, rd, (uint)Rm(), rs1, rs2, 0x0c | fmt)); break;                  // fdiv
            case 4: Emit32(R(0x53, rd, (uint)Rm(), rs1, 0, 0x2c | fmt)); break;                    // fsqrt
            case 5: Emit32(R(0x53, rd, (uint)_rng.Next(3), rs1, rs2, 0x10 | fmt)); break;          // fsgnj/n/x
            case 6: Emit32(R(0x53, rd, (uint)_rng.Next(2), rs1, rs2, 0x14 | fmt)); break;          // fmin/fmax
            case 7: Emit32(R(0x53, DestReg(), (uint)_rng.Next(3), rs1, rs2, 0x50 | fmt)); break;   // fle/flt/feq
            case 8:                                                                                // fmadd family
                Emit32((uint)FReg() << 27 | fmt << 25 | (uint)rs2 << 20 | (uint)rs1 << 15 | (uint)Rm() << 12 | (uint)rd << 7
                       | new uint[] { 0x43, 0x47, 0x4b, 0x4f }[_rng.Next(4)]);
                break;
            case 9:                                                                                // fcvt int <- fp
                Emit32(R(0x53, DestReg(), (uint)Rm(), rs1, _rng.Next(4), 0x60 | fmt));
                break;
            case 10:                                                                               // fcvt fp <- int
                Emit32(R(0x53, rd, (uint)Rm(), AnyReg(), _rng.Next(4), 0x68 | fmt));
                break;
            default:
                switch (_rng.Next(4))
                {
                    case 0: Emit32(R(0x53, DestReg(), 1, rs1, 0, 0x70 | fmt)); break;              // fclass
                    case 1: Emit32(R(0x53, DestReg(), 0, rs1, 0, 0x70 | fmt)); break;              // fmv.x.w / fmv.x.d
                    case 2: Emit32(R(0x53, rd, 0, AnyReg(), 0, 0x78 | fmt)); break;                // fmv.w.x / fmv.d.x
                    default: Emit32(R(0x53, rd, (uint)Rm(), rs1, dbl ? 0 : 1, dbl ? 0x21u : 0x20u)); break; // fcvt.d.s / fcvt.s.d
                }
                break;
        }
    }

    private void Compressed()
    {
        int rd = DestReg();
        int rdp = _rng.Next(8), rs2p = _rng.Next(8); // x8..x15
        int imm6 = _rng.Next(-32, 32);
        switch (_rng.Next(10))
        {
            case 0: if (imm6 == 0) imm6 = 1; Emit16(CI(1, 0, rd, imm6)); break;                   // c.addi
            case 1: Emit16(CI(1, 2, rd, imm6)); break;                                            // c.li
            case 2: Emit16(CI(1, 1, rd, imm6)); break;                                            // c.addiw
            case 3: if (rd == 2) rd = 3; if (imm6 == 0) imm6 = 5; Emit16(CI(1, 3, rd, imm6)); break; // c.lui
            case 4: Emit16(CI(2, 0, rd, _rng.Next(1, 64))); break;                                // c.slli (shamt[5] in bit 12)
            case 5:                                                                               // c.srli, c.srai, c.andi
            {
                int which = _rng.Next(3);
                int v = which == 2 ? imm6 : _rng.Next(1, 64);
                Emit16(0x1u | 4u << 13 | (((uint)v >> 5) & 1) << 12 | (uint)which << 10 | (uint)rdp << 7 | ((uint)v & 0x1f) << 2);
                break;
            }
            case 6:                                                                               // c.sub/xor/or/and/subw/addw
            {
                int op = _rng.Next(6);
                uint bit12 = op >= 4 ? 1u : 0u;
                Emit16(0x1u | 4u << 13 | bit12 << 12 | 3u << 10 | (uint)rdp << 7 | (uint)(op & 3) << 5 | (uint)rs2p << 2);
                break;
            }
            case 7: Emit16(0x2u | 4u << 13 | 0u << 12 | (uint)rd << 7 | (uint)_rng.Next(1, 32) << 2); break; // c.mv
            case 8: Emit16(0x2u | 4u << 13 | 1u << 12 | (uint)rd << 7 | (uint)_rng.Next(1, 32) << 2); break; // c.add
            default: Emit16(0x0001); break;                                                       // c.nop
        }
    }

    /// <summary>CI format: funct3 | imm[5] | rd | imm[4:0] | op.</summary>
    private static uint CI(uint op, uint f3, int rd, int imm) =>
        op | f3 << 13 | (((uint)imm >> 5) & 1) << 12 | (uint)rd << 7 | ((uint)imm & 0x1f) << 2;

    /// <summary>A forward branch or jump over one 4-byte instruction.</summary>
    private void Branch()
    {
        if (_rng.Next(4) == 0) Emit32(Jal(_rng.Next(2) == 0 ? 0 : DestReg(), 8));
        else Emit32(B(new uint[] { 0, 1, 4, 5, 6, 7 }[_rng.Next(6)], AnyReg(), AnyReg(), 8));
        AluRegReg();
    }

    /// <summary>CSRs an M-mode program may write freely (WARL legalisation is part of what is compared).</summary>
    private static readonly int[] Csrs =
    {
        0x001, 0x002, 0x003, 0x340, 0x140, 0x141, 0x142, 0x143, 0x105, 0x342, 0x343, 0x341,
        0x304, 0x306, 0x106, 0x180, 0x30a, 0x10a, 0x320,
    };

    private void CsrAccess()
    {
        int csr = Csrs[_rng.Next(Csrs.Length)];
        if (csr == 0x105 && Mode != 3) csr = 0x140; // stvec holds the S handler when the body runs under it
        if (csr == 0x180 && Mode != 3) csr = 0x140; // and satp its page table
        uint f3 = (uint)_rng.Next(1, 8);
        if (f3 == 4) f3 = 2;
        // Reads only, now and then, of counters that are equal on both machines (mhartid; misa differs: QEMU has H).
        if (_rng.Next(8) == 0) { Emit32(Csr(2, DestReg(), 0, 0xf14)); return; }
        if (csr == 0x180 && f3 < 5)
        {
            // satp (M-mode bodies): QEMU's CPU implements Sv48 and Sv57 besides Sv39, RvEmu Sv39 only, so a write of
            // MODE 9 or 10 is taken by one and ignored by the other, both legally (which modes exist is the
            // implementation's choice, privileged spec 4.1.11; seed 3126 found it). The value written has MODE bits
            // 1:0 cleared: MODE 0 and 8, which both take, or 4 and 12, which both ignore.
            int source = AnyReg();
            Emit32(I(0x13, Temp, 0, 0, 3));            // addi x29, x0, 3
            Emit32(I(0x13, Temp, 1, Temp, 60));        // slli x29, x29, 60
            Emit32(I(0x13, Temp, 4, Temp, -1));        // xori x29, x29, -1
            Emit32(R(0x33, Temp, 7, Temp, source, 0)); // and x29, x29, source
            Emit32(Csr(f3, DestReg(), Temp, csr));
            return;
        }
        Emit32(Csr(f3, DestReg(), f3 >= 5 ? _rng.Next(32) : AnyReg(), csr));
    }

    private void Trapping()
    {
        switch (_rng.Next(4))
        {
            case 0: Emit32(0x0000_0073); break;                  // ecall
            case 1: Emit32(0x0010_0073); break;                  // ebreak
            case 2: Emit16(0x9002); break;                       // c.ebreak
            default: Emit32(0x0000_0000 | (uint)_rng.Next(1, 1 << 16) << 16 & 0xffff0000 | 0x0000_007f); break; // reserved major opcode
        }
    }
}
