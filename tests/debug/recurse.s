; recurse.s - a bare T32 guest with a recursive function, for
; reverse-finish: down(3) calls down(2), down(1), down(0); each call keeps
; a frame (push lr; push fp; mov fp, sp).  Going back from down(2)'s
; return must land on the call of down(2), not on the last time down's
; first instruction ran (down(0)'s, an inner call that has returned).
_start:
    la sp, stack_top
    li r1, 3
    call down
    halt

down:
    push lr
    push fp
    mov fp, sp
    cmpi r1, 0
    beq bottom
    addi r1, r1, -1
    call down
    addi r1, r1, 1
bottom:
    pop fp
    pop lr
    ret

    .space 256
stack_top:
