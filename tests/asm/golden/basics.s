; basics.s - every format, the pseudo-instructions, data and sections.
        .global _start
        .equ    CON_DATA, 0x10
        .equ    COUNT, 3

_start: la      sp, stack_top           ; two words, always
        li      r1, COUNT               ; a constant defined above: one word
        li      r2, -1
        li      r3, 0x12345678
1:      subi    r1, r1, 1
        bnez    r1, 1b
        call    print
        halt

print:  push    r1, r2, lr
        la      r1, greeting
2:      ldbu    r2, 0(r1)
        beqz    r2, 3f
        out     r2, CON_DATA(r0)
        addi    r1, r1, 1
        j       2b
3:      pop     lr, r2, r1
        ret

alu:    add r1, r2, r3
        sub r4, r5, r6
        andi r1, r1, 0xff
        shli r2, r2, 4
        lui r3, 0x8000
        cmp r1, r2
        cmpi r1, -1
        tst r1, r1
        stw r1, -4(fp)
        ldw r2, (sp)
        jalr lr, r7, 0
        mfsr r1, cause
        mtsr tvec, r1
        pushf
        popf
        hcall 7
        in r1, 0x11(r0)
        mov r5, r6
        neg r5, r6
        not r5, r6
        nop

        .data
greeting:
        .asciz  "hi\n"
        .align  4
table:  .word   1, table, 'A', -2
        .half   0x1234, 0xffff
        .byte   1, 2, 3

        .bss
        .align  16
buffer: .space  256
stack_top:
