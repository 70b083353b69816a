/* sbitest entry points: every one gets a0 = hartid and sets up sp and tp = hartid. */
    .file "entry.S"   /* a fixed FILE symbol: keeps the ELF byte-reproducible */
#define MAX_HARTS 8
#define STACK_SHIFT 13

.macro ENTRY name, target
    .globl \name
    .align 2
\name:
    li      t0, MAX_HARTS
    bgeu    a0, t0, 9f
    la      sp, stacks
    addi    t0, a0, 1
    slli    t0, t0, STACK_SHIFT
    add     sp, sp, t0
    mv      tp, a0
    call    \target
9:  wfi
    j       9b
.endm

    .section .text.entry, "ax"
    .globl _start
_start:
    /* Boot hart only: clear .bss first. */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    ENTRY   boot_entry, boot_main

    .text
    ENTRY   hart_entry, secondary_main
    ENTRY   resume_entry, resumed_main

/*
 * long ecall_preserves(void): make an SBI call (base get_impl_id) with every register but
 * a0/a1 holding a known value; return how many of them changed (SBI ch. 3: must be 0).
 */
    .globl ecall_preserves
ecall_preserves:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      gp, 8(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\n, (16 + 8 * \n)(sp)
    .endr
    li      t0, 0x1005
    li      t1, 0x1006
    li      t2, 0x1007
    li      s0, 0x1008
    li      s1, 0x1009
    li      a2, 0x1012
    li      a3, 0x1013
    li      a4, 0x1014
    li      a5, 0x1015
    li      a6, 1               /* FID: get_impl_id */
    li      a7, 0x10            /* EID: base */
    li      s2, 0x1018
    li      s3, 0x1019
    li      s4, 0x1020
    li      s5, 0x1021
    li      s6, 0x1022
    li      s7, 0x1023
    li      s8, 0x1024
    li      s9, 0x1025
    li      s10, 0x1026
    li      s11, 0x1027
    li      t3, 0x1028
    li      t4, 0x1029
    li      t5, 0x1030
    li      t6, 0x1031
    li      gp, 0x1003
    mv      ra, sp              /* ra: a copy of sp to check sp too */
    ecall
    li      a0, 0
.macro CHK r, v
    li      a1, \v
    beq     \r, a1, 1f
    addi    a0, a0, 1
1:
.endm
    CHK t0, 0x1005
    CHK t1, 0x1006
    CHK t2, 0x1007
    CHK s0, 0x1008
    CHK s1, 0x1009
    CHK a2, 0x1012
    CHK a3, 0x1013
    CHK a4, 0x1014
    CHK a5, 0x1015
    CHK a6, 1
    CHK a7, 0x10
    CHK s2, 0x1018
    CHK s3, 0x1019
    CHK s4, 0x1020
    CHK s5, 0x1021
    CHK s6, 0x1022
    CHK s7, 0x1023
    CHK s8, 0x1024
    CHK s9, 0x1025
    CHK s10, 0x1026
    CHK s11, 0x1027
    CHK t3, 0x1028
    CHK t4, 0x1029
    CHK t5, 0x1030
    CHK t6, 0x1031
    CHK gp, 0x1003
    beq     ra, sp, 2f
    addi    a0, a0, 1
2:
    ld      ra, 0(sp)
    ld      gp, 8(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\n, (16 + 8 * \n)(sp)
    .endr
    addi    sp, sp, 128
    ret

/* unsigned long legacy_a1_after(unsigned long eid, unsigned long arg): a legacy call
   must return only a0 and preserve a1 (SBI ch. 5); returns a1 after the call. */
    .globl legacy_a1_after
legacy_a1_after:
    mv      a7, a0
    mv      a0, a1
    li      a1, 0x5a5a
    ecall
    mv      a0, a1
    ret

/* Instructions that must trap into S-mode (4 bytes each, so the handler skips +4). */
    .option push
    .option norvc
    .globl read_u64, write_u64, read_mstatus, legacy_ipi_ecall
read_u64:
    ld      a0, 0(a0)
    ret
write_u64:
    sd      a1, 0(a0)
    ret
read_mstatus:
    li      a0, 0
    csrr    a0, mstatus
    ret
/* legacy send_ipi (EID 4) with a0 = hart-mask pointer */
legacy_ipi_ecall:
    li      a7, 4
    ecall
    ret
    .option pop

    .bss
    .align 4
stacks:
    .skip   MAX_HARTS << STACK_SHIFT
