; reflect.s - task 4: traps reflected into the guest kernel, with the
; CAUSE, EPC, EPSR and BADVADDR bare T32's trap entry sets.
;
; Needs task 1 (mtsr tvec installs the handler) and task 4.  Every trap is
; taken in kernel mode with IE = 0, and the handler returns with a jump to
; the instruction to resume at, not with rfe: in kernel mode with IE = 0
; that is exactly what rfe would do (the flags are not needed after a
; trap), so task 3 does not matter here.  (user-mode.s takes traps from
; user mode.)  Nothing is pending (the timer stays off), so injection does
; not matter either.  The guest keeps nothing in r1-r8 across a trap; the
; handler uses r12.
;   1. ILLEGAL (mfsr and mtsr of a system register that does not exist -
;      task 1 must refuse it -, the zero word), SYSCALL, BREAKPOINT,
;      DIVZERO, MISALIGNED loads and stores, with flags set before some of
;      them (EPSR holds them);
;   2. with tvec = 0 a trap in kernel mode ends the run, as on bare T32.

    .text
_start:
    la sp, KSTACK
    la r1, handler
    mtsr tvec, r1
    mtsr epsr, r0                ; a trap must overwrite it
    ; ---- 1. traps ---------------------------------------------------------------
    .word 0x5010001f             ; mfsr r1, 31: ILLEGAL
    mtsr 31, r1                  ; ILLEGAL too
    syscall                      ; SYSCALL, EPC after it
    li r1, 0
    cmpi r1, 1                   ; N and C set: EPSR keeps them
    brk                          ; BREAKPOINT
    li r2, 0
    div r3, r2, r2               ; DIVZERO
    ldw r3, 2(r0)                ; MISALIGNED, BADVADDR 2
    li r1, 5
    cmpi r1, 5                   ; Z set
    sth r3, 7(r0)                ; MISALIGNED, BADVADDR 7
    .word 0                      ; ILLEGAL
    ; ---- 2. no trap vector ------------------------------------------------------
    mtsr tvec, r0
    syscall                      ; ends the run
    la r1, msg_survived
    call puts
    halt

; The trap handler: print the trap, then resume after it.
handler:
    push lr
    call showtrap
    pop lr
    mfsr r12, epc
    mfsr r1, cause
    cmpi r1, 3                   ; SYSCALL: EPC is already the next one
    beq 1f
    addi r12, r12, 4             ; a fault: skip the instruction
1:  jalr r0, r12, 0

msg_survived: .asciz "a trap with tvec = 0 did not end the run\n"
    .align 4
    .include "common.s"
