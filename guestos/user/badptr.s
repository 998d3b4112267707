; badptr.s - the kernel must check every pointer a process hands it.  Each
; row of `checks` is a system call with a bad buffer (or a bad number) and
; the error it must return; the kernel must refuse each one with an error
; value instead of faulting, and this process must live on to print the
; verdict.  The last row is a valid write, to show the good path works.

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    la r9, checks
    li r10, 0                   ; failures
1:  ldw r1, 0(r9)               ; label; 0 ends the table
    bz r1, 4f
    ldw r7, 4(r9)               ; the call: number, buffer, length
    ldw r1, 8(r9)
    ldw r2, 12(r9)
    syscall
    mov r11, r1                 ; what the kernel answered
    la r1, msg_prefix           ; "badptr: null buffer -> -1 ok"
    call puts
    ldw r1, 0(r9)
    call puts
    la r1, msg_arrow
    call puts
    mov r1, r11
    call putdec
    la r1, msg_ok
    ldw r2, 16(r9)
    cmp r11, r2
    beq 2f
    la r1, msg_failed
    addi r10, r10, 1
2:  call puts
    addi r9, r9, 20
    b 1b
4:  la r1, msg_prefix           ; "badptr: 0 checks failed"
    call puts
    mov r1, r10
    call putdec
    la r1, msg_summary
    call puts
    mov r1, r10
    call exit

    .align 4
checks: ;      label         call        buffer                length       expect
    .word lbl_null,    SYS_WRITE, 0,                    4,           E_FAULT
    .word lbl_kernel,  SYS_WRITE, 0x1000,               16,          E_FAULT
    .word lbl_hole,    SYS_WRITE, 0x00500000,           4,           E_FAULT
    .word lbl_wrap,    SYS_WRITE, good,                 0xffffffff,  E_FAULT
    .word lbl_stack,   SYS_WRITE, USER_STACK_TOP - 2,   4,           E_FAULT
    .word lbl_rkernel, SYS_READ,  0x2000,               8,           E_FAULT
    .word lbl_nosys,   99,        0,                    0,           E_NOSYS
    .word lbl_good,    SYS_WRITE, good,                 good_end - good, good_end - good
    .word 0

lbl_null:    .asciz "write from a null pointer"
lbl_kernel:  .asciz "write from kernel memory"
lbl_hole:    .asciz "write from an unmapped page"
lbl_wrap:    .asciz "write of 4 GiB"
lbl_stack:   .asciz "write running off the stack"
lbl_rkernel: .asciz "read into kernel memory"
lbl_nosys:   .asciz "system call 99"
lbl_good:    .asciz "a valid write"
good:        .ascii "badptr: (this line is a valid write)\n"
good_end:
msg_prefix:  .asciz "badptr: "
msg_arrow:   .asciz " -> "
msg_ok:      .asciz " ok\n"
msg_failed:  .asciz " FAILED\n"
msg_summary: .asciz " checks failed\n"
    .align 4
    .include "ulib.s"
