; rfe.s - task 3: `rfe` restores the virtual PSR from EPSR and the pc from
; EPC.
;
; Needs task 1 (mtsr sets EPC and EPSR) and task 3.  Every rfe returns to
; kernel mode, and nothing traps or is pending (the timer stays off), so
; reflection and injection do not matter.  After each rfe the guest shows
; the flags and IE it got (showpsr in common.s: pushf, K masked out).  An
; rfe that falls through prints "rfe fell through".

.macro back_to label, psr
    la r1, \label
    mtsr epc, r1
    la r1, \psr
    mtsr epsr, r1
    rfe
    b fell
.endm

    .text
_start:
    la sp, KSTACK
    back_to one, 0x40000001      ; Z, IE = 0, K
one:
    call showpsr
    back_to two, 0xb0000003      ; N C V, IE = 1, K
two:
    call showpsr
    back_to three, 0x00000001    ; no flags, IE = 0 again, K
three:
    call showpsr
    mfsr r1, epc                 ; rfe leaves EPC and EPSR as they were
    call show
    mfsr r1, epsr
    call show
    halt
fell:
    la r1, msg_fell
    call puts
    halt

msg_fell: .asciz "rfe fell through\n"
    .align 4
    .include "common.s"
