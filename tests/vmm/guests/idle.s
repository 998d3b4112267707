; idle.s - wfi with no timer and no disk transfer: nothing can ever wake
; the CPU.  trapeze must stop with status 5 rather than wait for ever.
    .text
_start:
    wfi
    halt
