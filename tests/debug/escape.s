; escape.s - a bare T32 guest whose trap nobody handles: a syscall in kernel
; mode with TVEC = 0 ends the run ("escaped"), for the tests of going back
; from an end (tests/debug/reverse-ends.x) and of how a step tells it.
_start:
    li r1, 1
    li r2, 2
    syscall
    halt
