; trap.s - every trap, interrupt and system call enters the kernel here.
;
; What the hardware does on a trap (ISA.md section 6): EPSR := PSR,
; EPC := the pc to resume at, CAUSE := why, BADVADDR := the address for
; memory faults, then K := 1 (kernel mode), IE := 0 (interrupts off) and
; pc := TVEC, which boot.s pointed at trap_entry.  Nothing else changes:
; all sixteen registers still hold the interrupted code's values, and the
; stack pointer may be a *user* stack pointer.  So the first job is to park
; every register somewhere safe without using one.
;
; The trick: the kernel window is mapped in every address space, and the
; kernel lives below 32 KiB, so `stw r1, trap_tmp(r0)` reaches a kernel
; word using r0 (always zero) as the base register.  That frees r1.
;
; Where the trap frame goes depends on where we came from:
;   - from user mode: the top of the current process's kernel stack, whose
;     address the scheduler keeps in the SCRATCH system register.  So the
;     user context of a process always sits at the same place, and the
;     scheduler switches processes by resuming a different frame.
;   - from kernel mode (a timer tick during a system call, or while the
;     scheduler idles): just below the kernel's current stack pointer, so
;     the interrupted kernel code continues undisturbed afterwards.
;
; Interrupts stay off (IE = 0, as the hardware left them) until the frame
; holds EPC and EPSR: a second trap would overwrite them.

trap_entry:
    stw r1, trap_tmp(r0)        ; park r1: now we have one register
    sr_read r1, epsr            ; (pvops.s: mfsr, or the shared page)
    andi r1, r1, PSR_K          ; where did the trap come from?
    bnz r1, 1f
    sr_read r1, scratch         ; user: top of this process's kernel stack
    b 2f
1:  mov r1, sp                  ; kernel: keep using the kernel stack
2:  subi r1, r1, TF_SIZE        ; room for the frame
    stw r2, TF_R2(r1)
    stw r3, TF_R3(r1)
    stw r4, TF_R4(r1)
    stw r5, TF_R5(r1)
    stw r6, TF_R6(r1)
    stw r7, TF_R7(r1)
    stw r8, TF_R8(r1)
    stw r9, TF_R9(r1)
    stw r10, TF_R10(r1)
    stw r11, TF_R11(r1)
    stw r12, TF_R12(r1)
    stw r13, TF_R13(r1)
    stw sp, TF_SP(r1)
    stw lr, TF_LR(r1)
    ldw r2, trap_tmp(r0)        ; the parked r1
    stw r2, TF_R1(r1)
    sr_read r2, epc
    stw r2, TF_PC(r1)
    sr_read r2, epsr
    stw r2, TF_PSR(r1)
    sr_read r2, cause
    stw r2, TF_CAUSE(r1)
    sr_read r2, badvaddr
    stw r2, TF_BADVADDR(r1)
    mov sp, r1                  ; the kernel stack now starts below the frame
    call trap                   ; handle it (r1 = the frame)

    ; Leaving.  From here on EPC and EPSR will be live again, so no
    ; interrupt may come in between: the handler may have turned them on.
    irq_off
    ldw r1, TF_PSR(sp)
    andi r1, r1, PSR_K
    bnz r1, trap_return         ; back into the interrupted kernel code
    call sched                  ; back to user mode: maybe someone else's turn
    mov sp, r1                  ; r1 = the frame of the process to resume

; trap_return: resume the context saved in the trap frame at sp.
; Interrupts must be off.  Also the way boot.s starts the first process.
trap_return:
    ldw r1, TF_PC(sp)
    sr_write epc, r1
    ldw r1, TF_PSR(sp)          ; its K and IE come back with rfe
    sr_write epsr, r1
    ldw r1, TF_R1(sp)
    ldw r2, TF_R2(sp)
    ldw r3, TF_R3(sp)
    ldw r4, TF_R4(sp)
    ldw r5, TF_R5(sp)
    ldw r6, TF_R6(sp)
    ldw r7, TF_R7(sp)
    ldw r8, TF_R8(sp)
    ldw r9, TF_R9(sp)
    ldw r10, TF_R10(sp)
    ldw r11, TF_R11(sp)
    ldw r12, TF_R12(sp)
    ldw r13, TF_R13(sp)
    ldw lr, TF_LR(sp)
    ldw sp, TF_SP(sp)           ; last: sp was the base register
    trap_ret                    ; rfe: PSR := EPSR, pc := EPC, atomically

; trap(frame): decide what kind of trap this is and hand it on.
; r1 = the trap frame.  Runs with IE = 0; the syscall path turns it on.
trap:
    push lr
    ldw r2, TF_CAUSE(r1)
    cmpi r2, CAUSE_SYSCALL
    beq trap_syscall
    cmpi r2, CAUSE_IRQ_TIMER
    beq trap_timer
    cmpi r2, CAUSE_IRQ_CONSOLE  ; the kernel never enables the console or
    bge trap_done               ; disk interrupt lines: nothing to do
    ldw r3, TF_PSR(r1)          ; a fault (causes 1..10): whose?
    andi r3, r3, PSR_K
    bnz r3, kernel_fault        ; the kernel's own: panic, never returns
    call proc_kill              ; a user process did something bad
    b trap_done
trap_syscall:
    call syscall_dispatch       ; syscall.s
    b trap_done
trap_timer:
    call timer_tick             ; timer.s
trap_done:
    pop lr
    ret

; kernel_fault(frame): a fault in kernel mode is a kernel bug.  Say where
; and stop the machine.  (Reached by a branch from trap: never returns.)
kernel_fault:
    mov r9, r1
    call con_fresh_line
    la r1, msg_kfault
    call kputs
    mov r1, r9
    call kput_fault             ; kprint.s: "cause at pc 0x... [addr 0x...]"
    li r1, '\n'
    call kputc
    cpu_halt

    .data
msg_kfault: .asciz "panic: kernel "
    .align 4
trap_tmp:   .word 0             ; r1 of the interrupted code, briefly
    .text
