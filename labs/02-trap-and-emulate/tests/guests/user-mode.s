; user-mode.s - tasks 3 and 4 together: a user program entered with rfe,
; and its traps reflected into the guest kernel.
;
; Needs task 1 (mtsr sets TVEC, EPC, EPSR), task 3 (rfe into user mode and
; back) and task 4 (traps from user mode).  The user program runs with
; IE = 1, but the timer stays off: nothing is pending, so injection does not
; matter.  It makes a system call, runs a privileged instruction, divides
; by zero, loads from a misaligned address and sets flags before a
; breakpoint; the handler prints each trap's CAUSE, EPC, EPSR and BADVADDR
; and returns with rfe.  Its last system call (r7 = 1) ends the run.

    .text
_start:
    la sp, KSTACK
    la r1, handler
    mtsr tvec, r1
    la r1, user
    mtsr epc, r1
    li r1, 2                     ; EPSR: IE = 1, K = 0
    mtsr epsr, r1
    rfe
    la r1, msg_fell
    call puts
    halt

; The trap handler: on the kernel stack, print the trap, then return.
handler:
    stw r1, save(r0)
    stw r2, save + 4(r0)
    stw r3, save + 8(r0)
    stw lr, save + 12(r0)
    stw sp, save + 16(r0)
    la sp, KSTACK
    call showtrap
    mfsr r1, cause
    cmpi r1, 3
    beq on_syscall
    mfsr r1, epc                 ; a fault: skip the instruction
    addi r1, r1, 4
    mtsr epc, r1
    b back
on_syscall:
    cmpi r7, 1
    bne back
    la r1, msg_done
    call puts
    halt
back:
    ldw r1, save(r0)
    ldw r2, save + 4(r0)
    ldw r3, save + 8(r0)
    ldw lr, save + 12(r0)
    ldw sp, save + 16(r0)
    rfe

; ---- the user program ----------------------------------------------------------
user:
    la sp, USTACK
    li r7, 2
    syscall                      ; SYSCALL, EPC after it
    cli                          ; PRIVILEGED in user mode
    li r2, 0
    div r3, r2, r2               ; DIVZERO
    ldw r3, 2(r0)                ; MISALIGNED, BADVADDR 2
    li r2, 0
    cmpi r2, 1                   ; N and C set: EPSR keeps them
    brk                          ; BREAKPOINT
    li r7, 1
    syscall                      ; exit

msg_fell: .asciz "rfe fell through\n"
msg_done: .asciz "user exit: done\n"
    .align 4
    .data
save: .space 20
    .text
    .include "common.s"
