/*
 * FP test-vector generator. Runs bare-metal on a reference RISC-V implementation
 * (qemu-system-riscv64 -machine virt -bios none, whose F/D are a software IEEE 754 implementation)
 * and prints, for every F/D computational instruction and every rounding mode, the result bits
 * and the accrued flags for a table of edge-case operands plus pseudo-random ones.
 * See generate.sh for the command and README.md for the output format.
 *
 * All floating-point work happens in inline assembly so the C compiler never computes a result:
 * each operand goes in through fmv.d.x (raw 64 bits, so improperly NaN-boxed singles can be
 * tested), the result comes out through fmv.x.d (showing the NaN boxing of single results) or an
 * integer register, and fflags is cleared before and read after the one instruction under test.
 */
#include <stdint.h>

typedef uint64_t u64;

/* ---- console: NS16550 at 0x1000_0000 (LSR at +5, bit 5 = THR empty; THR at +0) ---- */
#define UART ((volatile unsigned char *)0x10000000)

static void out_char(char c)
{
    while (!(UART[5] & 0x20)) { }
    UART[0] = (unsigned char)c;
}

static void out_str(const char *s)
{
    while (*s) out_char(*s++);
}

/* Hex without leading zeros ("0" for zero). */
static void out_hex(u64 v)
{
    char buf[16];
    int n = 0;
    do { buf[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    while (n) out_char(buf[--n]);
}

static void out_dec(u64 v)
{
    char buf[20];
    int n = 0;
    do { buf[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) out_char(buf[--n]);
}

/* ---- the instructions under test ---- */
typedef u64 (*op_fn)(u64 a, u64 b, u64 c, u64 rm, u64 *flags);

/* f-register result: fa0..fa2 = a, b, c (raw bits); the instruction writes fa3. */
#define OP_F(fn, insn)                                                                  \
    static u64 fn(u64 a, u64 b, u64 c, u64 rm, u64 *flags)                              \
    {                                                                                   \
        u64 r, f;                                                                       \
        __asm__ volatile("fsrm %2\n\tfmv.d.x fa0, %3\n\tfmv.d.x fa1, %4\n\t"             \
                         "fmv.d.x fa2, %5\n\tcsrwi fflags, 0\n\t" insn "\n\t"           \
                         "csrr %1, fflags\n\tfmv.x.d %0, fa3"                            \
                         : "=&r"(r), "=&r"(f)                                           \
                         : "r"(rm), "r"(a), "r"(b), "r"(c)                              \
                         : "fa0", "fa1", "fa2", "fa3");                                 \
        *flags = f;                                                                     \
        return r;                                                                       \
    }

/* integer-register result: the instruction writes %0 from fa0/fa1. */
#define OP_X(fn, insn)                                                                  \
    static u64 fn(u64 a, u64 b, u64 c, u64 rm, u64 *flags)                              \
    {                                                                                   \
        u64 r, f;                                                                       \
        (void)c;                                                                        \
        __asm__ volatile("fsrm %2\n\tfmv.d.x fa0, %3\n\tfmv.d.x fa1, %4\n\t"             \
                         "csrwi fflags, 0\n\t" insn "\n\tcsrr %1, fflags"               \
                         : "=&r"(r), "=&r"(f)                                           \
                         : "r"(rm), "r"(a), "r"(b)                                      \
                         : "fa0", "fa1");                                               \
        *flags = f;                                                                     \
        return r;                                                                       \
    }

/* integer-register source %3 (a), f-register result fa3. */
#define OP_FX(fn, insn)                                                                 \
    static u64 fn(u64 a, u64 b, u64 c, u64 rm, u64 *flags)                              \
    {                                                                                   \
        u64 r, f;                                                                       \
        (void)b; (void)c;                                                               \
        __asm__ volatile("fsrm %2\n\tcsrwi fflags, 0\n\t" insn "\n\t"                   \
                         "csrr %1, fflags\n\tfmv.x.d %0, fa3"                            \
                         : "=&r"(r), "=&r"(f)                                           \
                         : "r"(rm), "r"(a)                                              \
                         : "fa3");                                                      \
        *flags = f;                                                                     \
        return r;                                                                       \
    }

/* fcvt.d.w[u] are exact, and the assembler accepts no rounding mode for them (it encodes rm = 0). */
#define RM_s ", dyn"
#define RM_d ""

#define FOR_FORMAT(S, X)                                                                \
    OP_F(fadd_##S, "fadd." #S " fa3, fa0, fa1, dyn")                                    \
    OP_F(fsub_##S, "fsub." #S " fa3, fa0, fa1, dyn")                                    \
    OP_F(fmul_##S, "fmul." #S " fa3, fa0, fa1, dyn")                                    \
    OP_F(fdiv_##S, "fdiv." #S " fa3, fa0, fa1, dyn")                                    \
    OP_F(fsqrt_##S, "fsqrt." #S " fa3, fa0, dyn")                                       \
    OP_F(fmadd_##S, "fmadd." #S " fa3, fa0, fa1, fa2, dyn")                             \
    OP_F(fmsub_##S, "fmsub." #S " fa3, fa0, fa1, fa2, dyn")                             \
    OP_F(fnmsub_##S, "fnmsub." #S " fa3, fa0, fa1, fa2, dyn")                           \
    OP_F(fnmadd_##S, "fnmadd." #S " fa3, fa0, fa1, fa2, dyn")                           \
    OP_F(fsgnj_##S, "fsgnj." #S " fa3, fa0, fa1")                                       \
    OP_F(fsgnjn_##S, "fsgnjn." #S " fa3, fa0, fa1")                                     \
    OP_F(fsgnjx_##S, "fsgnjx." #S " fa3, fa0, fa1")                                     \
    OP_F(fmin_##S, "fmin." #S " fa3, fa0, fa1")                                         \
    OP_F(fmax_##S, "fmax." #S " fa3, fa0, fa1")                                         \
    OP_X(feq_##S, "feq." #S " %0, fa0, fa1")                                            \
    OP_X(flt_##S, "flt." #S " %0, fa0, fa1")                                            \
    OP_X(fle_##S, "fle." #S " %0, fa0, fa1")                                            \
    OP_X(fclass_##S, "fclass." #S " %0, fa0")                                           \
    OP_X(fmv_x_##X, "fmv.x." #X " %0, fa0")                                             \
    OP_X(fcvt_w_##S, "fcvt.w." #S " %0, fa0, dyn")                                      \
    OP_X(fcvt_wu_##S, "fcvt.wu." #S " %0, fa0, dyn")                                    \
    OP_X(fcvt_l_##S, "fcvt.l." #S " %0, fa0, dyn")                                      \
    OP_X(fcvt_lu_##S, "fcvt.lu." #S " %0, fa0, dyn")                                    \
    OP_FX(fcvt_##S##_w, "fcvt." #S ".w fa3, %3" RM_##S)                                   \
    OP_FX(fcvt_##S##_wu, "fcvt." #S ".wu fa3, %3" RM_##S)                                 \
    OP_FX(fcvt_##S##_l, "fcvt." #S ".l fa3, %3, dyn")                                   \
    OP_FX(fcvt_##S##_lu, "fcvt." #S ".lu fa3, %3, dyn")                                 \
    OP_FX(fmv_##X##_x, "fmv." #X ".x fa3, %3")

FOR_FORMAT(s, w)
FOR_FORMAT(d, d)
OP_F(fcvt_s_d, "fcvt.s.d fa3, fa0, dyn")
OP_F(fcvt_d_s, "fcvt.d.s fa3, fa0") /* exact: the assembler takes no rounding mode */

/* ---- operand tables ---- */
#define BOX(x) (0xffffffff00000000ull | (u64)(x))
#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Magnitudes; each is used with both signs. */
static const u64 mag_d[] = {
    0x0000000000000000, /* zero */
    0x0000000000000001, /* min subnormal */
    0x0000000000000003,
    0x0008000000000000, /* subnormal 2^-1023 */
    0x000fffffffffffff, /* max subnormal */
    0x0010000000000000, /* min normal */
    0x0010000000000001,
    0x001fffffffffffff,
    0x0020000000000000,
    0x3ca0000000000000, /* 2^-53: half an ulp of 1 */
    0x3ca0000000000001,
    0x3c9fffffffffffff,
    0x3cb0000000000000, /* 2^-52: an ulp of 1 */
    0x3fd5555555555555, /* ~1/3 */
    0x3fe0000000000000, /* 0.5 */
    0x3fefffffffffffff, /* 1 - ulp */
    0x3ff0000000000000, /* 1 */
    0x3ff0000000000001, /* 1 + ulp */
    0x3ff8000000000000, /* 1.5 */
    0x4000000000000000, /* 2 */
    0x4008000000000000, /* 3 */
    0x4340000000000000, /* 2^53 */
    0x7fdfffffffffffff,
    0x7fe0000000000000, /* 2^1023 */
    0x7fefffffffffffff, /* max normal */
    0x7ff0000000000000, /* infinity */
};
static const u64 nan_d[] = {
    0x7ff8000000000000, /* canonical quiet NaN */
    0xfff8000000000000,
    0x7ff8000000000001, /* quiet, payload */
    0x7ff0000000000001, /* signalling */
    0xfff4000000000000, /* signalling, negative */
    0x7fffffffffffffff,
};
static const u64 mag_s[] = {
    0x00000000, 0x00000001, 0x00000003, 0x00400000, 0x007fffff, 0x00800000, 0x00800001, 0x00ffffff,
    0x01000000, 0x33800000, 0x33800001, 0x337fffff, 0x34000000, 0x3eaaaaab, 0x3f000000, 0x3f7fffff,
    0x3f800000, 0x3f800001, 0x3fc00000, 0x40000000, 0x40400000, 0x4b800000, 0x7effffff, 0x7f000000,
    0x7f7fffff, 0x7f800000,
};
static const u64 nan_s[] = {
    BOX(0x7fc00000), BOX(0xffc00000), BOX(0x7fc00001), BOX(0x7f800001), BOX(0xffa00000), BOX(0x7fffffff),
    /* Improperly NaN-boxed: each reads as the canonical NaN (spec 12.2). */
    0x000000003f800000, 0xfffffffe40000000, 0x7ff8000000000000,
};

/* Small set for three-operand FMA (all triples are run). */
static const u64 fma_d[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3ff0000000000001, 0x3ca0000000000000, 0x0010000000000000, 0x8000000000000001,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0x7ff0000000000001,
};
static const u64 fma_s[] = {
    BOX(0x00000000), BOX(0x80000000), BOX(0x3f800000), BOX(0xbf800000),
    BOX(0x3f800001), BOX(0x33800000), BOX(0x00800000), BOX(0x80000001),
    BOX(0x7f7fffff), BOX(0xff7fffff), BOX(0x7f800000), BOX(0xff800000),
    BOX(0x7fc00000), BOX(0x7f800001),
};

/* Conversion-to-integer boundaries (in addition to the magnitudes above). */
static const u64 cvt_d[] = {
    0x3fdfffffffffffff, 0x3fe0000000000000, 0xbfe0000000000000, 0x3ff8000000000000, 0x4004000000000000,
    0xc004000000000000, 0x400c000000000000, 0xc00c000000000000, 0xbff0000000000000, 0xbfeccccccccccccd,
    0x41dfffffffc00000, 0x41dfffffffe00000, 0x41dffffffff00000, 0x41e0000000000000, 0x41e0000000100000,
    0xc1e0000000000000, 0xc1e0000000100000, 0xc1e0000000200000, 0xc1dfffffffe00000, 0x41efffffffe00000,
    0x41effffffff00000, 0x41efffffffffffff, 0x41f0000000000000, 0x41f0000000100000, 0x43dfffffffffffff,
    0x43e0000000000000, 0xc3e0000000000000, 0xc3e0000000000001, 0xc3dfffffffffffff, 0x43efffffffffffff,
    0x43f0000000000000, 0x7e37e43c8800759c, 0xfe37e43c8800759c,
};
static const u64 cvt_s[] = {
    BOX(0x3effffff), BOX(0x3f000000), BOX(0xbf000000), BOX(0x3fc00000), BOX(0x40200000),
    BOX(0xc0200000), BOX(0x40600000), BOX(0xc0600000), BOX(0xbf800000), BOX(0xbf666666),
    BOX(0x4effffff), BOX(0x4f000000), BOX(0xcf000000), BOX(0xcf000001), BOX(0xceffffff),
    BOX(0x4f7fffff), BOX(0x4f800000), BOX(0x5effffff), BOX(0x5f000000), BOX(0xdf000000),
    BOX(0xdf000001), BOX(0xdeffffff), BOX(0x5f7fffff), BOX(0x5f800000), BOX(0x7e967699),
    BOX(0xfe967699),
};

/* Integers for fcvt.{s,d}.{w,wu,l,lu} and fmv.{w,d}.x. */
static const u64 ints[] = {
    0, 1, 2, 3, 0xffffffffffffffff, 0xfffffffffffffffe, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    0xffffffff80000000, 0xffffffff7fffffff, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000001,
    0xffffff, 0x1000000, 0x1000001, 0x1000002, 0x1000003, 0x7fffffbf, 0x7fffffc0, 0x7fffffc1, 0xfeffffff,
    0x1fffffffffffff, 0x20000000000000, 0x20000000000001, 0x20000000000002, 0x20000000000003,
    0x7ffffffffffffdff, 0x7ffffffffffffe00, 0x7ffffffffffffe01, 0xfffffffffffff800, 0xfffffffffffffbff,
    0x8000000000000400, 0x8000000000000401, 0xdeadbeef00000001, 0x12345678abcdef01, 0xfffffffffeffffff,
    0x000000007f800001, 0xffffffff7fc00000, 0x7ff0000000000001,
};

/* ---- pseudo-random operands (xorshift64, fixed seed: the output is reproducible) ---- */
static u64 rng_state = 0x243f6a8885a308d3ull;

static u64 rnd(void)
{
    u64 x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

struct fmt { int eb, fb, bias, emax; /* emax = largest finite biased exponent */ };
static const struct fmt FS = { 8, 23, 127, 254 };
static const struct fmt FD = { 11, 52, 1023, 2046 };

/* A significand with structure: short ones (exact results), all-ones runs (carries), or random. */
static u64 rnd_frac(const struct fmt *f)
{
    u64 m = rnd();
    switch (rnd() % 8) {
    case 0: m = 0; break;
    case 1: m = ~0ull; break;
    case 2: m &= ~0ull << (rnd() % (u64)f->fb); break;
    case 3: m |= (1ull << (rnd() % (u64)f->fb)) - 1; break;
    case 4: m = (1ull << (rnd() % (u64)f->fb)) | (rnd() & 1); break;
    default: break;
    }
    return m & ((1ull << f->fb) - 1);
}

static u64 make(const struct fmt *f, u64 sign, long bexp, u64 frac)
{
    if (bexp < 0) bexp = 0;
    if (bexp > f->emax) bexp = f->emax;
    u64 v = (sign << (f->eb + f->fb)) | ((u64)bexp << f->fb) | frac;
    return f == &FS ? BOX(v) : v;
}

static long bexp_of(const struct fmt *f, u64 v)
{
    return (long)((v >> f->fb) & ((1ull << f->eb) - 1));
}

/* A biased exponent near `around`, or anywhere, or at the ends of the range. */
static long rnd_exp(const struct fmt *f, long around)
{
    switch (rnd() % 10) {
    case 0: return (long)(rnd() % (u64)(f->emax + 1));
    case 1: return (long)(rnd() % 3);
    case 2: return f->emax - (long)(rnd() % 3);
    case 3: return around + (long)(rnd() % 5) - 2;
    default: return around + (long)(rnd() % 64) - 32;
    }
}

static u64 rnd_val(const struct fmt *f, long around)
{
    return make(f, rnd() & 1, rnd_exp(f, around), rnd_frac(f));
}

/* Where a product or quotient should land: near 1, near overflow, near the normal/subnormal edge, in the subnormals. */
static long rnd_target(const struct fmt *f)
{
    switch (rnd() % 6) {
    case 0: return f->emax;
    case 1: return 1;
    case 2: return -(long)(rnd() % (u64)(f->fb + 3));
    default: return f->bias + (long)(rnd() % 16) - 8;
    }
}

enum kind { K_ADD, K_MUL, K_DIV, K_SQRT, K_FMA, K_CVT, K_NARROW, K_ANY };

static void rnd_operands(const struct fmt *f, enum kind k, u64 *a, u64 *b, u64 *c)
{
    *a = rnd_val(f, f->bias);
    long ea = bexp_of(f, *a);
    switch (k) {
    case K_ADD: *b = rnd_val(f, ea); break;
    case K_MUL: *b = rnd_val(f, rnd_target(f) - ea + f->bias); break;
    case K_DIV: *b = rnd_val(f, ea - rnd_target(f) + f->bias); break;
    case K_SQRT: *a &= ~(1ull << (f->eb + f->fb)); if (rnd() % 8 == 0) *a |= 1ull << (f->eb + f->fb); break;
    case K_CVT: *a = rnd_val(f, f->bias + (long)(rnd() % 72) - 4); break;
    case K_NARROW: { /* double -> single: land near the single range's ends */
        static const long ends[] = { 0, 127, -126, -149, -135 };
        *a = rnd_val(f, f->bias + ends[rnd() % 5]);
        break;
    }
    case K_FMA: {
        *b = rnd_val(f, rnd_target(f) - ea + f->bias);
        u64 fl, p = (f == &FS ? fmul_s : fmul_d)(*a, *b, 0, 0, &fl);
        switch (rnd() % 4) {
        case 0: *c = p ^ (1ull << (f->eb + f->fb)); break;            /* exact cancellation of the rounded product */
        case 1: *c = (p ^ (1ull << (f->eb + f->fb))) + (rnd() % 3) - 1; break; /* within an ulp of it */
        default: *c = rnd_val(f, bexp_of(f, p)); break;
        }
        if (f == &FS) *c = BOX(*c);
        break;
    }
    default: *b = rnd_val(f, ea); break;
    }
}

static u64 rnd_int(void)
{
    u64 v = rnd() >> (rnd() % 64);
    if (rnd() % 4 == 0) v &= ~0ull << (rnd() % 64);
    if (rnd() & 1) v = (u64)-(int64_t)v;
    if (rnd() % 4 == 0) v = (u64)(int64_t)(int32_t)v;
    return v;
}

/* ---- driving ---- */
enum set { S_BIN, S_UN, S_FMA, S_CVT, S_INT };

struct op {
    const char *name;
    op_fn fn;
    int arity;
    int rounds;  /* 1: the result depends on the rounding mode (run all five) */
    enum set set;
    enum kind kind;
    int dbl;     /* operand format: 1 = double */
};

static u64 count;

static void run_one(const struct op *o, u64 a, u64 b, u64 c)
{
    out_hex(a);
    if (o->arity > 1) { out_char(' '); out_hex(b); }
    if (o->arity > 2) { out_char(' '); out_hex(c); }
    int modes = o->rounds ? 5 : 1;
    for (u64 rm = 0; rm < (u64)modes; rm++) {
        u64 fl, r = o->fn(a, b, c, rm, &fl);
        out_char(' ');
        out_hex(r);
        out_char(' ');
        out_hex(fl);
        count++;
    }
    out_char('\n');
}

static int build_values(const struct op *o, u64 *v)
{
    int n = 0;
    const u64 *mag = o->dbl ? mag_d : mag_s, *nan = o->dbl ? nan_d : nan_s;
    int nmag = o->dbl ? N(mag_d) : N(mag_s), nnan = o->dbl ? N(nan_d) : N(nan_s);
    u64 signbit = o->dbl ? 1ull << 63 : 1ull << 31;
    for (int i = 0; i < nmag; i++) {
        u64 m = o->dbl ? mag[i] : BOX(mag[i]);
        v[n++] = m;
        v[n++] = m | signbit;
    }
    for (int i = 0; i < nnan; i++) v[n++] = nan[i];
    return n;
}

static void run_op(const struct op *o, int randoms)
{
    static u64 v[128];
    const struct fmt *f = o->dbl ? &FD : &FS;
    out_str("op ");
    out_str(o->name);
    out_char(' ');
    out_dec((u64)o->arity);
    out_char(' ');
    out_dec(o->rounds ? 5 : 1);
    out_char('\n');
    int n;
    switch (o->set) {
    case S_BIN:
        n = build_values(o, v);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) run_one(o, v[i], v[j], 0);
        break;
    case S_UN:
        n = build_values(o, v);
        for (int i = 0; i < n; i++) run_one(o, v[i], 0, 0);
        break;
    case S_CVT:
        n = build_values(o, v);
        for (int i = 0; i < n; i++) run_one(o, v[i], 0, 0);
        if (o->dbl) for (int i = 0; i < N(cvt_d); i++) { run_one(o, cvt_d[i], 0, 0); run_one(o, cvt_d[i] ^ (1ull << 63), 0, 0); }
        else for (int i = 0; i < N(cvt_s); i++) { run_one(o, cvt_s[i], 0, 0); run_one(o, cvt_s[i] ^ (1ull << 31), 0, 0); }
        break;
    case S_FMA: {
        const u64 *t = o->dbl ? fma_d : fma_s;
        n = o->dbl ? N(fma_d) : N(fma_s);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) run_one(o, t[i], t[j], t[k]);
        break;
    }
    case S_INT:
        for (int i = 0; i < N(ints); i++) run_one(o, ints[i], 0, 0);
        for (int i = 0; i < randoms; i++) run_one(o, rnd_int(), 0, 0);
        return;
    }
    for (int i = 0; i < randoms; i++) {
        u64 a, b = 0, c = 0;
        rnd_operands(f, o->kind, &a, &b, &c);
        run_one(o, a, b, c);
    }
}

#define OPS(S, X, D)                                                                                  \
    { "fadd." #S, fadd_##S, 2, 1, S_BIN, K_ADD, D }, { "fsub." #S, fsub_##S, 2, 1, S_BIN, K_ADD, D },   \
    { "fmul." #S, fmul_##S, 2, 1, S_BIN, K_MUL, D }, { "fdiv." #S, fdiv_##S, 2, 1, S_BIN, K_DIV, D },   \
    { "fsqrt." #S, fsqrt_##S, 1, 1, S_UN, K_SQRT, D },                                                \
    { "fmadd." #S, fmadd_##S, 3, 1, S_FMA, K_FMA, D }, { "fmsub." #S, fmsub_##S, 3, 1, S_FMA, K_FMA, D }, \
    { "fnmsub." #S, fnmsub_##S, 3, 1, S_FMA, K_FMA, D }, { "fnmadd." #S, fnmadd_##S, 3, 1, S_FMA, K_FMA, D }, \
    { "fsgnj." #S, fsgnj_##S, 2, 0, S_BIN, K_ANY, D }, { "fsgnjn." #S, fsgnjn_##S, 2, 0, S_BIN, K_ANY, D }, \
    { "fsgnjx." #S, fsgnjx_##S, 2, 0, S_BIN, K_ANY, D },                                               \
    { "fmin." #S, fmin_##S, 2, 0, S_BIN, K_ADD, D }, { "fmax." #S, fmax_##S, 2, 0, S_BIN, K_ADD, D },   \
    { "feq." #S, feq_##S, 2, 0, S_BIN, K_ADD, D }, { "flt." #S, flt_##S, 2, 0, S_BIN, K_ADD, D },       \
    { "fle." #S, fle_##S, 2, 0, S_BIN, K_ADD, D },                                                    \
    { "fclass." #S, fclass_##S, 1, 0, S_UN, K_ANY, D }, { "fmv.x." #X, fmv_x_##X, 1, 0, S_UN, K_ANY, D }, \
    { "fcvt.w." #S, fcvt_w_##S, 1, 1, S_CVT, K_CVT, D }, { "fcvt.wu." #S, fcvt_wu_##S, 1, 1, S_CVT, K_CVT, D }, \
    { "fcvt.l." #S, fcvt_l_##S, 1, 1, S_CVT, K_CVT, D }, { "fcvt.lu." #S, fcvt_lu_##S, 1, 1, S_CVT, K_CVT, D }, \
    { "fcvt." #S ".w", fcvt_##S##_w, 1, D ? 0 : 1, S_INT, K_ANY, D }, { "fcvt." #S ".wu", fcvt_##S##_wu, 1, D ? 0 : 1, S_INT, K_ANY, D }, \
    { "fcvt." #S ".l", fcvt_##S##_l, 1, 1, S_INT, K_ANY, D }, { "fcvt." #S ".lu", fcvt_##S##_lu, 1, 1, S_INT, K_ANY, D }, \
    { "fmv." #X ".x", fmv_##X##_x, 1, 0, S_INT, K_ANY, D }

static const struct op ops[] = {
    OPS(s, w, 0),
    OPS(d, d, 1),
    { "fcvt.s.d", fcvt_s_d, 1, 1, S_UN, K_NARROW, 1 },
    { "fcvt.d.s", fcvt_d_s, 1, 0, S_UN, K_ANY, 0 },
};

int main(void)
{
    out_str("# RISC-V F/D test vectors; see firmware/fpvectors/README.md\n");
    for (int i = 0; i < N(ops); i++) {
        const struct op *o = &ops[i];
        int randoms = o->set == S_FMA ? 1500 : o->rounds ? 1200 : 400;
        if (o->fn == fcvt_s_d || o->fn == fcvt_d_s) randoms = 1500;
        run_op(o, randoms);
    }
    out_str("end ");
    out_dec(count);
    out_char('\n');
    return 0;
}
