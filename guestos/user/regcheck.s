; regcheck.s - does the kernel give a process back exactly the registers it
; had?  Fill every register with a value derived from the pid, then check
; them all, over and over, for many timer ticks, yielding now and then.
; Run two of these side by side: if the trap path forgot to save or restore
; a register, one process would see the other's value (or the kernel's).
;
; Only r1 is free for the checks themselves; the loop counter lives just
; below the stack pointer, which nothing but this process touches (traps
; from user mode run on the kernel stack).

    .equ ITERS, 400

    .include "abi.s"
    .text
    .org USER_BASE

; check REG, N: REG must hold seed + N.
    .macro check reg, n
    la r1, seed
    ldw r1, 0(r1)
    addi r1, r1, \n
    cmp r1, \reg
    bne clobbered
    .endm

_start:
    call getpid
    shli r1, r1, 24             ; seed = pid << 24 | 0x5a0000
    la r2, 0x005a0000
    or r1, r1, r2
    la r2, seed
    stw r1, 0(r2)
    li r2, ITERS
    stw r2, -4(sp)
    addi r2, r1, 2              ; r2 .. r13 and lr := seed + register number
    addi r3, r1, 3
    addi r4, r1, 4
    addi r5, r1, 5
    addi r6, r1, 6
    addi r7, r1, 7
    addi r8, r1, 8
    addi r9, r1, 9
    addi r10, r1, 10
    addi r11, r1, 11
    addi r12, r1, 12
    addi r13, r1, 13
    addi lr, r1, 15
again:
    check r2, 2
    check r3, 3
    check r4, 4
    check r5, 5
    check r6, 6
    check r7, 7
    check r8, 8
    check r9, 9
    check r10, 10
    check r11, 11
    check r12, 12
    check r13, 13
    check lr, 15
    la r1, USER_STACK_TOP
    cmp r1, sp
    bne clobbered
    ldw r1, -4(sp)              ; one round less to go
    subi r1, r1, 1
    stw r1, -4(sp)
    bz r1, intact
    andi r1, r1, 63
    bnz r1, again
    li r7, SYS_YIELD            ; every 64 rounds, a system call
    syscall
    la r7, seed                 ; (r7 carried the call number)
    ldw r7, 0(r7)
    addi r7, r7, 7
    b again

intact:
    la r1, msg_ok
    b 1f
clobbered:
    la r1, msg_bad
1:  mov r9, r1
    la r1, msg_pid              ; "regcheck: pid 1: registers intact ..."
    call puts
    call getpid
    call putdec
    mov r1, r9
    call puts
    li r1, 0
    call exit

    .align 4
seed:    .word 0
msg_pid: .asciz "regcheck: pid "
msg_ok:  .asciz ": registers intact after 400 rounds of checks\n"
msg_bad: .asciz ": a register was CLOBBERED\n"
    .align 4
    .include "ulib.s"
