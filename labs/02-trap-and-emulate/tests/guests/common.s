; common.s - what the lab's test guests share (`.include "common.s"`).
;
; Each guest is a kernel without paging that prints what bare T32 shows it;
; its test runs it bare and under your --mode trap and compares the
; transcripts byte for byte.  These functions run in kernel mode (they use
; `out`, through examples/print.s) and may clobber r1-r8.
;
;   show(r1)        r1 in hex, then a newline
;   showpsr()       the PSR's N Z C V and IE bits, read with pushf
;   showtrap()      "trap CAUSE EPC EPSR BADVADDR", from the system registers

    .equ KSTACK, 0x8000
    .equ USTACK, 0x9000

show:
    push lr
    call puthex
    li r1, 10
    out r1, CON_DATA(r0)
    pop lr
    ret

; pushf stores the real PSR, and a trap-and-emulate VMM runs its guest
; kernel in real user mode: there pushf shows K = 0, where bare T32 shows
; K = 1 (the popf problem, lab 03).  The VMM makes the real IE mirror the
; virtual one each time it resumes the guest, and the flags are the guest's
; own - so with K masked out, what pushf shows is the virtual IE and the
; flags, the same as on bare T32.
showpsr:
    pushf                           ; first: puthex's cmpi changes the flags
    pop r1
    la r2, 0xf0000002               ; N Z C V and IE
    and r1, r1, r2
    b show                          ; (show returns to our caller)

showtrap:
    push lr
    la r1, msg_trap
    call puts
    mfsr r1, cause
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, epc
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, epsr
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, badvaddr
    call show
    pop lr
    ret

msg_trap: .asciz "trap "
    .align 4
    .include "print.s"
