; timer.s - the clock: the timer interrupt, ticks, and waking sleepers.
;
; boot.s programs the timer with `mtsr timer, TICK_CYCLES`: from then on
; interrupt line 0 becomes pending every TICK_CYCLES cycles, forever.  On
; T32 a cycle is one retired instruction (or one idle cycle in wfi), never
; wall-clock time, so every run of the same disk prints the same thing.
;
; Each interrupt is one *tick*.  A tick is both the unit of sleep() and
; uptime() and the time slice of the scheduler: the handler sets
; need_resched, and the next return to user mode (trap.s) calls sched,
; which moves the CPU on to the next runnable process.  This is what makes
; the system preemptive: a process that never makes a system call still
; loses the CPU at the next tick.
;
; The handler may interrupt kernel code (a system call runs with IE = 1).
; It changes `ticks`, process states and `need_resched`; kernel code that
; reads-then-writes those must hold interrupts off meanwhile (see
; sys_sleep in syscall.s for the pushf/cli/popf idiom).

; timer_tick(): one tick has passed.  Called from trap with IE = 0.
timer_tick:
    ldw r1, ticks(r0)
    addi r1, r1, 1
    stw r1, ticks(r0)
    li r2, 1
    stw r2, need_resched(r0)    ; the running process's slice is over
    ; Wake every sleeper whose time has come.
    la r2, procs
    la r3, procs_end
1:  ldw r4, P_STATE(r2)
    cmpi r4, P_SLEEPING
    bne 2f
    ldw r4, P_WAKE(r2)
    sub r4, r1, r4              ; ticks - wake >= 0: time to get up
    slti r4, r4, 0
    bnz r4, 2f
    li r4, P_RUNNABLE
    stw r4, P_STATE(r2)
2:  addi r2, r2, P_SIZE
    cmp r2, r3
    bltu 1b
    ret

    .data
ticks:        .word 0           ; timer interrupts since boot
need_resched: .word 0           ; 1: switch processes at the next chance
    .text
