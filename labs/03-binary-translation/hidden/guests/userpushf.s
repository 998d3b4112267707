; userpushf.s - user code with pushf and popf must run unpatched.
;
; A kernel maps itself (no U) and one user page, turns paging on and runs a
; user loop of 200 pushf/popf pairs.  In user mode they are harmless (popf
; cannot change IE there, pushf shows K = 0), so binary translation must
; leave user pages alone: they run natively, with no patch exits.  The
; kernel's own pushf, at the end, must see K = 1.
    .equ L1, 0x20000
    .equ L2, 0x21000
    .text
_start:
    la sp, 0x8000
    la r1, handler
    mtsr tvec, r1
    la r1, L2                    ; identity map 0..64 KiB, kernel only
    li r2, 0
1:  ori r3, r2, 0xf              ; V R W X
    stw r3, 0(r1)
    addi r1, r1, 4
    li r4, 0x1000
    add r2, r2, r4
    la r4, 0x10000
    cmp r2, r4
    bltu 1b
    la r3, 0x10000 | 0x1f        ; the user page: V R W X U
    stw r3, 0(r1)
    la r1, L1
    la r2, L2 | 1
    stw r2, 0(r1)
    la r1, L1 | 1
    mtsr ptbr, r1
    la r1, user
    mtsr epc, r1
    li r1, 2                     ; user mode, IE = 1
    mtsr epsr, r1
    rfe

handler:                         ; the user's exit: print what it saw
    mov r9, r1
    la r1, msg
    call puts
    mov r1, r9
    call puthex
    la r1, msg_k
    call puts
    pushf                        ; and the kernel's own pushf: K = 1
    pop r1
    andi r1, r1, 3
    call puthex
    li r1, 10
    out r1, CON_DATA(r0)
    halt

msg: .asciz "user psr: "
msg_k: .asciz ", kernel psr: "
    .align 4
    .include "print.s"

    .org 0x10000
user:
    la sp, 0x11000
    li r2, 200
1:  pushf
    pop r1
    push r1
    popf
    subi r2, r2, 1
    bnz r2, 1b
    pushf
    pop r1
    syscall
