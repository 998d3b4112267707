; errors.s - one of each common mistake; every one is reported.
        .include "broken.inc"
        .macro  twice x
        adds    \x, \x, \x
        .endm

_start: add     r1, r2
        addi    r1, r2, 5, 6
        ldw     r1, 8(r16)
        lw      r1, 0(r2)
        twice   r3
        b       nowhere
        bz      r1, _start + 2
        li      r1, 1 / 0
        .word   (1 + 2
        .byte   "x"
        .space  size_later
        .equ    size_later, 4
_start: nop
        .asciz  "unterminated
        mfsr    r1, psr
        .org    0x10
        .if     1
