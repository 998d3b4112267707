; textdata.s - data kept in .text (a string next to the code that prints
; it, a jump table) is recorded in the image as data ranges, so t32dis
; prints it as data, not as instructions that never run.
_start: la      r2, message
1:      ldbu    r1, 0(r2)
        beqz    r1, 2f
        out     r1, 0x10(r0)
        addi    r2, r2, 1
        j       1b
2:      la      r3, table
        ldw     r3, 4(r3)
        jalr    r0, r3, 0
message:
        .asciz  "hello, \"world\"\n"
short:  .asciz  "ab"                    ; too short for a string: bytes
odd:    .byte   1, 2, 3
        .align  4
table:  .word   _start, done
done:   halt
