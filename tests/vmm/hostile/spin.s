; spin.s - interrupts off, then an infinite loop.
;
; On bare T32 this guest would own the machine for ever.  In a VM it must
; not: the VMM takes the CPU back at the end of the guest's turn whatever
; the guest executes, so the other VMs go on running.
    .text
_start:
    cli
1:  addi r1, r1, 1
    b 1b
