; hello.s - the smallest useful process: say hello, say who you are, exit.

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    la r1, msg
    call puts
    call getpid
    call putdec
    li r1, '\n'
    call putc
    li r1, 0
    call exit

msg: .asciz "hello, world from pid "
    .align 4
    .include "ulib.s"
