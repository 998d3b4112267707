; spin.s - a guest that only computes, for tests/debug/bench.sh: 20
; million rounds of a loop, then halt.
_start:
    la r2, 10000000
    li r1, 0
loop:
    addi r1, r1, 1
    cmp r1, r2
    blt loop
    halt
