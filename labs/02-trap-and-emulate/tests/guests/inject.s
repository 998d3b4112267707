; inject.s - task 5: when the VMM may deliver a pending interrupt.
;
; Needs task 1 (mtsr arms the timer), task 2 (sti sets IE) and task 5.
; The guest installs no trap handler: on bare T32 a trap taken in kernel
; mode with tvec = 0 ends the run ("unhandled trap", exit status 4), and so
; does the VMM, with the starter's reflection as with task 4 done (though
; not with a reflection that enters "the handler" at address 0) - so the
; one interrupt the guest takes ends the run, and the test checks when it
; came (the instruction count) and what the guest printed before.
;   1. with IE = 0 (as at reset) the timer's line stays pending: not taken
;      in a loop, nor at a wfi (a one-cycle no-op while a line is pending),
;      nor at a cli;
;   2. sti: taken at once, before the instruction after it.

    .text
_start:
    la sp, KSTACK
    li r1, 40
    mtsr timer, r1               ; due in 40 cycles, but IE = 0
    li r2, 100
1:  subi r2, r2, 1
    bnz r2, 1b
    mfsr r1, ipend               ; pending, not taken
    call show
    wfi
    cli
    mfsr r1, ipend               ; still pending
    call show
    sti                          ; taken right here: the run ends
    la r1, msg_missed
    call puts
    halt

msg_missed: .asciz "the pending interrupt was not taken after sti\n"
    .align 4
    .include "common.s"
