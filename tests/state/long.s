; long.s - a guest that runs for a long time (about 10^8 cycles), for the
; reverse-execution benchmark (tests/state/rsibench.c): a kernel that sums
; into a 16 KiB buffer over and over while the timer interrupts it every
; 10000 cycles, then halts after 10500 ticks.  It prints a dot every 1000
; ticks, so console output is part of what a step back replays.

    .equ TICK,  10000               ; cycles between timer interrupts
    .equ TICKS, 10500               ; ticks before it halts
    .equ WORDS, 4096                ; words in the buffer

    .text
_start:
    la sp, 0x8000
    la r1, handler
    mtsr tvec, r1
    li r1, TICK
    mtsr timer, r1
    sti
    li r5, 0                        ; passes over the buffer
pass:
    la r2, buf
    li r3, WORDS
word:
    ldw r4, 0(r2)                   ; buf[i] += pass
    add r4, r4, r5
    stw r4, 0(r2)
    addi r2, r2, 4
    subi r3, r3, 1
    bnz r3, word
    addi r5, r5, 1
    ldw r1, ticks(r0)
    cmpi r1, TICKS
    blt pass
    cli
    mtsr timer, r0
    li r1, '\n'
    out r1, 0x10(r0)
    halt

; The timer: count the tick, a dot every 1000.
handler:
    push r1, r2
    ldw r1, ticks(r0)
    addi r1, r1, 1
    stw r1, ticks(r0)
    li r2, 1000
    rem r2, r1, r2
    bnz r2, 1f
    li r1, '.'
    out r1, 0x10(r0)
1:  pop r2, r1
    rfe

    .data
ticks:  .word 0
buf:    .space WORDS * 4
