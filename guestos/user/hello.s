; hello.s - the smallest useful process: say hello, say who you are, exit.
;
; Every user program has the same shape: the ABI constants first, then
; its code assembled at USER_BASE (where the kernel maps it; _start is the
; entry point the disk directory records), and the user library last.
; Each line of output is a write() system call made by puts, putdec or
; putc (ulib.s); exit() hands the process back to the kernel.

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
