; ticks.s - a bare T32 guest for finish and reverse-finish across
; interrupts: user code calls work() over and over while a timer ticks
; every 50 cycles, and the kernel's handler jumps through a register
; (jalr r0, r1 - "a return", to a debugger that counts calls and
; returns) before its rfe.  Only the user code's own calls and returns
; belong to work()'s frame.
_start:
    la sp, kstack
    la r1, handler
    mtsr tvec, r1
    la r1, user
    mtsr epc, r1
    li r1, 2                    ; EPSR: user mode, IE = 1
    mtsr epsr, r1
    li r1, 50
    mtsr timer, r1
    rfe

user:
    la sp, ustack
    li r9, 0
1:  call work
    addi r9, r9, 1
    b 1b

work:
    push lr
    li r2, 40
2:  addi r2, r2, -1
    bnz r2, 2b
    pop lr
    ret

handler:
    mtsr scratch, r1
    la r1, 1f
    jalr r0, r1, 0              ; a computed jump, as a dispatch table makes
1:  mfsr r1, scratch
    rfe

    .space 64
kstack:
    .space 64
ustack:
