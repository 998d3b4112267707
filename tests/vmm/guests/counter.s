; counter.s - count to 5 with some work between, printing each count, and
; halt: a VM that never reads input.
    .text
_start:
    addi r3, r0, 0x30          ; '0'
1:  addi r3, r3, 1
    out r3, 0x10(r0)
    addi r1, r0, 10            ; '\n'
    out r1, 0x10(r0)
    lui r4, 1                  ; about 65536 iterations of busy work
2:  addi r4, r4, -1
    bnz r4, 2b
    cmpi r3, 0x35              ; '5'
    bne 1b
    halt
