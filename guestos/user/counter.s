; counter.s - count to ROUNDS, printing one line per number, with a long
; stretch of pure computation between lines.  The loop never makes a system
; call while it computes, so only the timer interrupt can take the CPU
; away from it: when two counters run, their lines interleave because the
; kernel preempts them.
;
; Assembled twice: t32as -D LETTER=65 and -D LETTER=66, 'A' and 'B'
; (guestos/build.mk: counta and countb).

    .ifndef LETTER
    .equ LETTER, 'A'
    .endif
    .equ ROUNDS, 6
    .equ SPIN, 3000             ; about 3 timer ticks of busy work per line

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    li r9, 1
1:  la r1, label                ; "counter A: 1"
    call puts
    mov r1, r9
    call putdec
    li r1, '\n'
    call putc
    li r2, SPIN                 ; burn cycles without the kernel's help
2:  subi r2, r2, 1
    bnz r2, 2b
    addi r9, r9, 1
    cmpi r9, ROUNDS
    ble 1b
    li r1, 0
    call exit

label: .ascii "counter "
    .byte LETTER
    .asciz ": "
    .align 4
    .include "ulib.s"
