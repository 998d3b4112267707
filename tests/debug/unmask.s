; unmask.s - a guest for mode-switch points going back: its kernel
; leaves for user code with a timer tick already pending and IE = 1 in
; EPSR, so the rfe (virtual K 1 -> 0) is followed at once, at the same
; cycle, by the tick's delivery (K 0 -> 1) - two mode switches between two
; instructions.
_start:
    la sp, kstack
    la r1, handler
    mtsr tvec, r1
    li r1, 1
    mtsr timer, r1              ; a tick every cycle: pending from now on
    la r1, user
    mtsr epc, r1
    li r1, 2                    ; EPSR: user mode, IE = 1
    mtsr epsr, r1
    rfe

user:
    li r2, 7                    ; never runs: the tick comes first
    halt

handler:
    li r1, 0
    mtsr timer, r1              ; no more ticks
    addi r3, r3, 1
    addi r3, r3, 1
    addi r3, r3, 1
    halt

    .space 64
kstack:
