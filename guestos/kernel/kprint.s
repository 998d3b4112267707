; kprint.s - the kernel's printing helpers: strings, numbers, and the
; pieces of the messages the kernel prints about processes and faults.
;
; A kernel cannot call a C library's printf: everything it says, it spells
; out itself, one byte at a time.  All output goes through con_putc
; (console.s), which is safe to call with interrupts on or off, so these
; helpers can be used from a system call and from a trap handler alike.
; Every helper preserves r9 .. r13, like any function following the
; calling convention, and keeps what it must remember across con_putc in
; those registers (con_putc, like any callee, may clobber r1 .. r8).

; kputc(c): print one byte.
kputc:
    b con_putc

; kputs(s): print the NUL-terminated string at s.
kputs:
    push lr, r9
    mov r9, r1
1:  ldbu r1, 0(r9)
    bz r1, 2f
    call con_putc
    addi r9, r9, 1
    b 1b
2:  pop r9, lr
    ret

; kputdec(n): print n as an unsigned decimal number.  The digits come out
; lowest first, so they are collected on the stack and printed reversed.
kputdec:
    push lr, r9, r10
    mov r9, sp                  ; the digits go below this mark
    li r10, 10
1:  remu r2, r1, r10
    addi r2, r2, '0'
    push r2
    divu r1, r1, r10
    bnz r1, 1b
2:  pop r1
    call con_putc
    cmp sp, r9
    bne 2b
    pop r10, r9, lr
    ret

; kputhex(n): print n as 0x followed by exactly 8 hex digits.
kputhex:
    push lr, r9, r10
    mov r9, r1
    li r1, '0'
    call con_putc
    li r1, 'x'
    call con_putc
    li r10, 28                  ; shift of the highest nibble
1:  shr r1, r9, r10             ; this nibble, 0 .. 15 ...
    andi r1, r1, 15
    la r2, hexdigits            ; ... picks its digit from the table
    add r1, r1, r2
    ldbu r1, 0(r1)
    call con_putc
    subi r10, r10, 4
    cmpi r10, 0                 ; (only cmp, cmpi and tst set flags)
    bge 1b
    pop r10, r9, lr
    ret

; kput_proc(p): print "pid N (name)" for process p.
kput_proc:
    push lr, r9
    mov r9, r1
    la r1, msg_pid
    call kputs
    ldw r1, P_PID(r9)
    call kputdec
    la r1, msg_lparen
    call kputs
    addi r1, r9, P_NAME
    call kputs
    li r1, ')'
    call con_putc
    pop r9, lr
    ret

; kput_fault(frame): describe the fault recorded in a trap frame:
; "load-fault at pc 0x00400010 addr 0x00000000".  The address is printed
; only for the causes that set BADVADDR (misaligned .. bus-error).
kput_fault:
    push lr, r9
    mov r9, r1
    ldw r1, TF_CAUSE(r9)
    call cause_name
    call kputs
    la r1, msg_at_pc
    call kputs
    ldw r1, TF_PC(r9)
    call kputhex
    ldw r1, TF_CAUSE(r9)
    cmpi r1, CAUSE_MISALIGNED
    blt 1f
    cmpi r1, CAUSE_BUS
    bgt 1f
    la r1, msg_addr
    call kputs
    ldw r1, TF_BADVADDR(r9)
    call kputhex
1:  pop r9, lr
    ret

; cause_name(cause): r1 = the name of a fault cause (the names isa/t32.h
; uses, so that a kill line reads like the VMM's own messages), or "trap"
; for anything else.  A table of string addresses indexed by the cause
; number: the usual way to turn a small number into a name.
cause_name:
    cmpi r1, 1
    blt 1f
    cmpi r1, CAUSE_LAST_FAULT
    bgt 1f
    shli r1, r1, 2
    la r2, cause_names
    add r1, r1, r2
    ldw r1, 0(r1)
    ret
1:  la r1, str_trap
    ret

    .data
    .align 4
cause_names:
    .word str_trap              ; 0: no cause
    .word str_illegal, str_privileged, str_syscall, str_breakpoint
    .word str_divzero, str_misaligned, str_fetch, str_load, str_store
    .word str_bus
str_trap:       .asciz "trap"
str_illegal:    .asciz "illegal"
str_privileged: .asciz "privileged"
str_syscall:    .asciz "syscall"
str_breakpoint: .asciz "breakpoint"
str_divzero:    .asciz "divzero"
str_misaligned: .asciz "misaligned"
str_fetch:      .asciz "fetch-fault"
str_load:       .asciz "load-fault"
str_store:      .asciz "store-fault"
str_bus:        .asciz "bus-error"
hexdigits:      .ascii "0123456789abcdef"
msg_pid:        .asciz "pid "
msg_lparen:     .asciz " ("
msg_at_pc:      .asciz " at pc "
msg_addr:       .asciz " addr "
    .align 4
    .text
