; syscall.s - the system calls.
;
; A user program asks for a service with the `syscall` instruction
; (include/abi.s is the ABI: number in r7, arguments in r1..r3, result
; in r1).  It traps with cause SYSCALL and EPC already pointing *after* the
; instruction, so returning through the trap frame resumes the caller with
; its result in r1.
;
; Interrupts.  The trap arrives with IE = 0.  Once the trap frame holds
; EPC and EPSR there is no reason to keep the clock waiting, so
; syscall_dispatch turns interrupts on (sti) for the system call proper: a
; long write() still lets ticks happen on time.  A tick that arrives then
; is handled on this kernel stack (trap.s) and only *notes* that a switch
; is due; the switch itself happens on the way out to user mode.
;
; Because a tick can come in the middle of a system call, code that
; changes what the timer handler also changes (process states, sleeping
; times) guards itself with the x86 idiom
;
;     pushf          ; remember the PSR, including IE
;     cli            ; no interrupts in here
;     ...            ; the critical section
;     popf           ; restore IE to what it was
;
; rather than cli ... sti, so it works whether the caller had interrupts on
; or off.  This relies on popf restoring IE, which T32 only does in kernel
; mode: a kernel deprivileged by a VMM (user mode) silently keeps IE = 0.
; That is the instruction that makes T32 hard to virtualize.
;
; User pointers are checked (vm.s: uaccess_ok) before the kernel touches
; them: a bad buffer is an E_FAULT result, never a kernel fault.

; syscall_dispatch(frame): run the system call the frame asks for and put
; its result in the frame's r1.
syscall_dispatch:
    push lr, r9
    mov r9, r1
    ldw r1, nsyscalls(r0)
    addi r1, r1, 1
    stw r1, nsyscalls(r0)
    irq_on r5                   ; sti: the frame is safe, ticks may come in now
    ldw r5, TF_R7(r9)           ; the call number
    li r1, E_NOSYS
    sltiu r6, r5, NSYSCALLS     ; (unsigned: a negative number is too big)
    bz r6, 1f
    shli r5, r5, 2
    la r6, syscall_table
    add r6, r6, r5
    ldw r6, 0(r6)
    ldw r1, TF_R1(r9)           ; the arguments
    ldw r2, TF_R2(r9)
    ldw r3, TF_R3(r9)
    mov r4, r9                  ; and the frame, for calls that need it
    jalr lr, r6, 0
1:  stw r1, TF_R1(r9)           ; the result goes back in r1
    irq_off
    pop r9, lr
    ret

    .data
    .align 4
syscall_table:
    .word sys_nosys             ; 0 is not a system call
    .word sys_exit              ; SYS_EXIT   1
    .word sys_write             ; SYS_WRITE  2
    .word sys_read              ; SYS_READ   3
    .word sys_yield             ; SYS_YIELD  4
    .word sys_getpid            ; SYS_GETPID 5
    .word sys_sleep             ; SYS_SLEEP  6
    .word sys_uptime            ; SYS_UPTIME 7
    .text

sys_nosys:
    li r1, E_NOSYS
    ret

; exit(status): never returns to the caller; sched sees it is no longer
; RUNNING and moves on.  The status is not kept (nobody waits for it).
sys_exit:
    push lr
    ldw r1, current(r0)
    call proc_exit
    pop lr
    ret

; write(buf, len): send len bytes from buf to the console.  Returns len,
; or E_FAULT if buf .. buf+len-1 is not readable user memory.  Bytes go
; through the process's line buffer (console.s), so lines from different
; processes never mix.
sys_write:
; LAB 01 BEGIN sys-write shared
    push lr, r9, r10, r11
    mov r9, r1                  ; buf
    mov r10, r2                 ; len
    li r3, PTE_R
    call uaccess_ok
    bz r1, 3f
    li r11, 0
1:  cmp r11, r10
    bgeu 2f
    add r1, r9, r11
    ldbu r1, 0(r1)              ; a user byte: checked above, cannot fault
    call con_uputc
    addi r11, r11, 1
    b 1b
2:  mov r1, r10
    b 4f
3:  li r1, E_FAULT
4:  pop r11, r10, r9, lr
    ret
; LAB 01 END sys-write

; read(buf, len): read console input into buf until a newline (kept),
; len bytes or the end of input.  Returns the byte count, 0 at end of
; input, or E_FAULT if buf is not writable user memory.  The caller's
; unfinished output line (a prompt) is printed first.
sys_read:
    push lr, r9, r10, r11
    mov r9, r1
    mov r10, r2
    li r3, PTE_W
    call uaccess_ok
    bz r1, 3f
    ldw r1, current(r0)
    call con_flush
    li r11, 0
1:  cmp r11, r10
    bgeu 2f
    call con_getc               ; console.s: -1 at the end of input
    cmpi r1, 0
    blt 2f
    add r2, r9, r11
    stb r1, 0(r2)
    addi r11, r11, 1
    cmpi r1, '\n'
    bne 1b
2:  mov r1, r11
    b 4f
3:  li r1, E_FAULT
4:  pop r11, r10, r9, lr
    ret

; yield(): give up the rest of this time slice.
sys_yield:
    li r1, 1
    stw r1, need_resched(r0)    ; one store: needs no critical section
    li r1, 0
    ret

; getpid(): the caller's process id.
sys_getpid:
; LAB 01 BEGIN sys-getpid shared
    ldw r1, current(r0)
    ldw r1, P_PID(r1)
    ret
; LAB 01 END sys-getpid

; sleep(n): do not run again until n ticks have passed.  n <= 0 just
; yields.
;
; Critical section: reading `ticks` and becoming SLEEPING must happen with
; no tick in between.  Otherwise a tick could land after we read `ticks`:
; the wake-up time would be computed from a stale clock and the process
; would sleep one tick less than it asked for.
sys_sleep:
    cmpi r1, 0
    ble sys_yield
    ldw r2, current(r0)
    irq_save r4                 ; pushf
    irq_off                     ; cli
    ldw r3, ticks(r0)
    add r3, r3, r1
    stw r3, P_WAKE(r2)
    li r3, P_SLEEPING
    stw r3, P_STATE(r2)
    irq_restore r4              ; popf: interrupts back as they were
    li r1, 0
    ret

; uptime(): ticks since boot (one aligned word: reading it is atomic).
sys_uptime:
    ldw r1, ticks(r0)
    ret

    .data
nsyscalls:  .word 0             ; system calls made, for the summary
    .text
