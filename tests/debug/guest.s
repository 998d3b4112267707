; guest.s - a small bare T32 guest for the debugger's tests: a loop that
; counts in memory (watchpoints), and a call chain whose functions keep a
; frame pointer (push lr; push fp; mov fp, sp), for backtrace and finish.
_start:
    la sp, stack_top
    li r1, 0
    la r2, counter
loop:
    ldw r3, 0(r2)
    addi r3, r3, 1
    stw r3, 0(r2)
    addi r1, r1, 1
    cmpi r1, 5
    blt loop
    li r1, 7
    call outer
    halt

outer:
    push lr
    push fp
    mov fp, sp
    call inner
    pop fp
    pop lr
    ret

inner:
    push lr
    push fp
    mov fp, sp
    addi r1, r1, 1
    pop fp
    pop lr
    ret

counter:
    .word 0
    .space 256
stack_top:
