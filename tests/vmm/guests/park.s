; park.s - vCPU 0 prints "A" and halts; every other vCPU parks itself in a
; wfi that nothing can wake (no timer; T32 has no inter-processor
; interrupts).  The VM ends with status 5 once all are done, never before
; vCPU 0 has printed, whatever the quantum (trapeze_cli.sh).
    .text
_start:
    mfsr r1, cpuid
    bnz r1, park
    li r1, 'A'
    out r1, 0x10(r0)
    li r1, '\n'
    out r1, 0x10(r0)
    halt
park:
    wfi
    b park
