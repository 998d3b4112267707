; frameless.s - a bare T32 guest whose functions keep no frame (leaves:
; the caller is only in lr), one placed after _start and one before.
; Once a call has come back, lr still points just after it, into _start:
; backtrace must not take that for a caller of _start, nor finish wait
; for a return to it.
before:
    addi r1, r1, 100
    ret

_start:
    li r1, 1
    call after
    addi r1, r1, 1
back:
    addi r1, r1, 1
    call before
    addi r1, r1, 1
    halt

after:
    addi r1, r1, 10
    ret
