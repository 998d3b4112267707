; ranges.s - values that do not fit their field are errors naming the
; range (isa/ISA.md, "Field ranges"), as GNU as does; no image is written.
_start: addi    r1, r0, 40000           ; signed 16 bits
        andi    r1, r1, -1              ; unsigned 16 bits: ori/andi/xori zero-extend
        lui     r1, 0x10000
        shri    r2, r2, 32              ; shift amounts 0..31
        ldw     r1, 40000(r2)           ; offsets are signed 16 bits
        subi    r1, r1, -32768          ; addi r1, r1, 32768
        bz      r1, _start + 4 * 40000  ; a signed 16-bit word offset
        .byte   300
        .half   -40000
        .word   0xffffffff + 1
        .align  4
        addi    r1, r0, -32768          ; the extremes are fine
        ori     r1, r1, 0xffff
        shli    r1, r1, 31
        halt
