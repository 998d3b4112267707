; proc.s - processes: the process table, the scheduler, exit and kill.
;
; A process is a slot in `procs` (memlayout.s lists its fields), an
; address space (vm.s) and a kernel stack whose top holds its trap frame:
; its registers as they were when it last entered the kernel.
;
; Scheduling is round robin.  The kernel never switches processes in the
; middle of kernel code: it switches only on the way back to user mode
; (trap.s calls sched there), when the current process has stopped being
; RUNNING (it exited, was killed or went to sleep) or its time slice is
; over (the timer set need_resched, or it called yield).  Switching is
; then just: load the other process's page directory into PTBR, its kernel
; stack top into SCRATCH, and return through its trap frame.

; sched(): pick the process to run next and switch to its address space.
; Called with IE = 0 on every return to user mode (and once at boot).
; Returns r1 = the trap frame to resume.  Never returns if no process is
; left (it prints the summary and halts).
sched:
    push lr
    ldw r2, current(r0)
    bz r2, sched_pick           ; boot: nothing has run yet
    ldw r3, P_STATE(r2)
    cmpi r3, P_RUNNING
    bne sched_pick              ; it exited, was killed or sleeps
    ldw r3, need_resched(r0)
    bz r3, sched_resume         ; its slice goes on: resume it
    li r3, P_RUNNABLE           ; back to the end of the queue
    stw r3, P_STATE(r2)
sched_pick:
    stw r0, need_resched(r0)
    call pick_next
    bnz r1, sched_switch
    ldw r2, nlive(r0)
    bz r2, shutdown             ; every process has finished
    call idle                   ; all asleep: wait for a tick
    b sched_pick
sched_switch:                   ; r1 = the process to run
    ldw r2, current(r0)
    cmp r1, r2
    beq 1f                      ; the same one again: nothing to switch
    stw r1, current(r0)
    ldw r3, nswitches(r0)
    addi r3, r3, 1
    stw r3, nswitches(r0)
    ldw r3, P_PTBR(r1)          ; its address space ...
    set_ptbr r3                 ; (writing PTBR also flushes the TLB)
    ldw r3, P_KSTACK(r1)        ; ... and its kernel stack, for its next trap
    sr_write scratch, r3
1:  li r3, P_RUNNING
    stw r3, P_STATE(r1)
    mov r2, r1
sched_resume:                   ; r2 = the process to resume
    ldw r1, P_KSTACK(r2)        ; its trap frame is at the top of its stack
    subi r1, r1, TF_SIZE
    pop lr
    ret

; pick_next(): the first RUNNABLE process after `current` in table order,
; wrapping around (so the current one is considered last), or 0.
pick_next:
    ldw r2, current(r0)
    bnz r2, 1f
    la r2, procs_end - P_SIZE   ; nothing ran yet: start the scan at slot 0
1:  li r3, NPROC
    la r4, procs_end
2:  addi r2, r2, P_SIZE
    cmp r2, r4
    bltu 3f
    la r2, procs                ; wrap around
3:  ldw r5, P_STATE(r2)
    cmpi r5, P_RUNNABLE
    beq 4f
    subi r3, r3, 1
    bnz r3, 2b
    li r1, 0
    ret
4:  mov r1, r2
    ret

; idle(): nothing can run, but someone is asleep.  Wait for the next
; interrupt without burning instructions: `wfi` idles the CPU until a line
; is pending, even with IE = 0; `sti` then lets the pending tick be taken
; right away (timer_tick wakes the sleepers), and `cli` closes the window.
; (The paravirtual kernel's hcall IDLE unmasks and waits in one go.)
idle:
    cpu_idle                    ; pvops.s: wfi; sti; cli
    ret

; proc_alloc(): find a free slot.  Returns r1 = the process (state still
; P_UNUSED, so the slot stays free until proc_start; its kernel stack
; assigned), or 0 if the table is full.
proc_alloc:
    la r1, procs
    la r2, procs_end
    la r4, KSTACKS + KSTACK_SIZE
1:  ldw r3, P_STATE(r1)
    bz r3, 2f                   ; P_UNUSED
    addi r1, r1, P_SIZE
    addi r4, r4, KSTACK_SIZE
    cmp r1, r2
    bltu 1b
    li r1, 0
    ret
2:  stw r4, P_KSTACK(r1)
    ret

; proc_start(p, pc): give p the next pid and make it runnable.  Its first
; "return" to user mode goes through a trap frame that holds: pc, user mode
; with interrupts on, sp at the top of the user stack, every other
; register 0.
proc_start:
    ldw r3, next_pid(r0)
    stw r3, P_PID(r1)
    addi r3, r3, 1
    stw r3, next_pid(r0)
    ldw r3, P_KSTACK(r1)
    subi r3, r3, TF_SIZE
    mov r4, r3
    addi r5, r3, TF_SIZE
1:  stw r0, 0(r4)
    addi r4, r4, 4
    cmp r4, r5
    bltu 1b
    stw r2, TF_PC(r3)
    li r4, PSR_IE               ; K = 0: user mode
    stw r4, TF_PSR(r3)
    la r4, USER_STACK_TOP
    stw r4, TF_SP(r3)
    li r4, P_RUNNABLE
    stw r4, P_STATE(r1)
    ldw r4, nprocs(r0)
    addi r4, r4, 1
    stw r4, nprocs(r0)
    ldw r4, nlive(r0)
    addi r4, r4, 1
    stw r4, nlive(r0)
    ret

; proc_exit(p): the process p is finished.  Print what it left in its
; line buffer, and take it out of the schedule for good.
proc_exit:
    push lr, r9
    mov r9, r1
    call con_flush              ; console.s: its unfinished line
    call con_fresh_line         ; the next output starts on a new line
    irq_save r2                 ; pushf: the state and the count of
    irq_off                     ; cli    live processes change together
    li r1, P_ZOMBIE
    stw r1, P_STATE(r9)
    ldw r1, nlive(r0)
    subi r1, r1, 1
    stw r1, nlive(r0)
    irq_restore r2              ; popf
    pop r9, lr
    ret

; proc_kill(frame): the current process faulted.  One line names it, the
; cause and the pc (and the address, for memory faults); then it is gone
; and everybody else carries on.  The kernel itself is unharmed: the
; faulting instruction had no effect (T32 faults are precise).
proc_kill:
    push lr, r9, r10
    mov r9, r1                  ; the frame
    ldw r10, current(r0)
    mov r1, r10
    call con_flush              ; what it printed before dying comes first
    call con_fresh_line
    la r1, msg_kill
    call kputs
    mov r1, r10
    call kput_proc              ; "pid 4 (faulty)"
    la r1, msg_colon
    call kputs
    mov r1, r9
    call kput_fault             ; "load-fault at pc 0x... addr 0x..."
    li r1, '\n'
    call kputc
    ldw r1, nkilled(r0)
    addi r1, r1, 1
    stw r1, nkilled(r0)
    mov r1, r10
    call proc_exit
    pop r10, r9, lr
    ret

; shutdown(): every process has exited.  Print the summary and stop.
shutdown:
    li r1, 0
    set_timer r1                ; no more ticks
    call con_fresh_line
    la r1, msg_summary
    call kputs
    ldw r1, nprocs(r0)
    call kputdec
    la r1, msg_sum_killed
    call kputs
    ldw r1, nkilled(r0)
    call kputdec
    la r1, msg_sum_ticks
    call kputs
    ldw r1, ticks(r0)
    call kputdec
    la r1, msg_sum_switches
    call kputs
    ldw r1, nswitches(r0)
    call kputdec
    la r1, msg_sum_syscalls
    call kputs
    ldw r1, nsyscalls(r0)
    call kputdec
    li r1, '\n'
    call kputc
    cpu_halt

    .data
msg_kill:         .asciz "kill: "
msg_colon:        .asciz ": "
msg_summary:      .asciz "summary: processes "
msg_sum_killed:   .asciz ", killed "
msg_sum_ticks:    .asciz ", ticks "
msg_sum_switches: .asciz ", context switches "
msg_sum_syscalls: .asciz ", syscalls "
    .align 4
current:    .word 0             ; the process on the CPU (0 before the first)
next_pid:   .word 1
nprocs:     .word 0             ; processes created
nlive:      .word 0             ; created and not yet exited
nkilled:    .word 0             ; killed for a fault
nswitches:  .word 0             ; times the CPU moved to another process
    .bss
    .align 4
procs:      .space NPROC * P_SIZE
procs_end:
    .text
