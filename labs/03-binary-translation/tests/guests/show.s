; show.s - show(r1): r1 in hex and a newline, on the console.  The lab's
; test guests print their results with it; it brings print.s (examples/,
; assemble with -I examples) along.
show:
    push lr
    call puthex
    li r1, 10
    out r1, CON_DATA(r0)
    pop lr
    ret
    .include "print.s"
