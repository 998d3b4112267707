        .macro twice x
        addd \x, \x, \x
        .endm
start:  add r1, r2
        add r1, r2, r3, r4
        addi r1, r2, 70000
        ldw r1, 0x123456
        twice r5
        .word undefined_sym
        b 0x1002
        .org 0
start:  nop
        li r1, 'ab'
        mfsr r1, epcc
        .if 1
        .else
