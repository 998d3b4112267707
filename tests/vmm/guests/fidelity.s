; fidelity.s - a small paged kernel and one user process, written without
; pushf and popf, so that under --mode trap it must behave exactly as on
; bare T32: the same transcript, byte for byte, and the same number of
; instructions (tests/vmm/fidelity.sh compares both).
;
; The transcript is a timing fingerprint: the user process prints 'u'
; every 64 iterations, the timer handler prints '.' every 8 ticks, so any
; interrupt delivered one instruction early or late shows up.  Along the
; way: paging with kernel-only and user pages, a page the kernel maps on
; demand (load and store faults), system calls, a privileged instruction
; in user mode, TLB flushes by rewriting PTBR, and a timer.
;
; Physical memory: kernel at 0x1000, its stack below 0xf000, user code
; copied to 0x10000, user data at 0x11000, the demand page at 0x12000,
; page tables from 0x20000.  Virtual: the kernel identity-mapped (no U),
; user code at 4 MiB, user data at 8 MiB, the demand page right above it.

    .ifndef TICK
    .equ TICK,      777          ; timer interval (t32as -D TICK=N)
    .endif
    .equ UCODE_VA,  0x400000
    .equ UDATA_VA,  0x800000
    .equ DEMAND_VA, 0x801000
    .equ UCODE_PA,  0x10000
    .equ UDATA_PA,  0x11000
    .equ DEMAND_PA, 0x12000
    .equ L1,        0x20000
    .equ L2K,       0x21000
    .equ L2U,       0x22000
    .equ L2D,       0x23000
    .equ KSTACK,    0xf000
    .equ PTE_V, 1
    .equ PTE_R, 2
    .equ PTE_W, 4
    .equ PTE_X, 8
    .equ PTE_U, 16

    .text
_start:
    la sp, KSTACK
    la r1, trap_entry
    mtsr tvec, r1
    call copy_user
    call build_tables
    la r1, L1 + 1                ; paging on
    mtsr ptbr, r1
    li r1, TICK
    mtsr timer, r1
    la r1, UCODE_VA              ; "return" to user mode, interrupts on
    mtsr epc, r1
    li r1, 2
    mtsr epsr, r1
    la sp, UDATA_VA + 0x1000
    rfe

; copy_user(): the user program to UCODE_PA.
copy_user:
    la r1, user_code
    la r2, user_end
    la r3, UCODE_PA
1:  ldw r4, 0(r1)
    stw r4, 0(r3)
    addi r1, r1, 4
    addi r3, r3, 4
    cmp r1, r2
    bltu 1b
    ret

; build_tables(): kernel identity map of 0..192 KiB (RWX, no U), user code
; page (RX U), user data page (RW U); the demand page stays unmapped.
build_tables:
    la r1, L2K
    li r2, 0
    la r5, 0x30000
1:  ori r3, r2, PTE_V + PTE_R + PTE_W + PTE_X
    stw r3, 0(r1)
    addi r1, r1, 4
    li r4, 0x1000
    add r2, r2, r4
    cmp r2, r5
    bltu 1b
    la r1, L2U
    la r2, UCODE_PA + PTE_V + PTE_R + PTE_X + PTE_U
    stw r2, 0(r1)
    la r1, L2D
    la r2, UDATA_PA + PTE_V + PTE_R + PTE_W + PTE_U
    stw r2, 0(r1)
    la r1, L1
    la r2, L2K + PTE_V
    stw r2, 0(r1)
    la r2, L2U + PTE_V
    stw r2, 4(r1)
    la r2, L2D + PTE_V
    stw r2, 8(r1)
    ret

; ---- traps: all come from user mode (the kernel runs with IE = 0) -------
trap_entry:
    stw r1, save_r1(r0)
    stw r2, save_r2(r0)
    stw r3, save_r3(r0)
    stw r4, save_r4(r0)
    stw sp, save_sp(r0)
    stw lr, save_lr(r0)
    la sp, KSTACK
    mfsr r1, cause
    cmpi r1, 16
    beq on_timer
    cmpi r1, 3
    beq on_syscall
    cmpi r1, 8
    beq on_fault
    cmpi r1, 9
    beq on_fault
    cmpi r1, 2
    beq on_privileged
    li r2, '!'                   ; anything else: report and stop
    out r2, 0x10(r0)
    call print_hex
    halt

trap_return:
    ldw r1, save_r1(r0)
    ldw r2, save_r2(r0)
    ldw r3, save_r3(r0)
    ldw r4, save_r4(r0)
    ldw sp, save_sp(r0)
    ldw lr, save_lr(r0)
    rfe

; The timer: count; add up where each tick interrupted the user (EPC) and
; when (cycles) - sums that change if a single tick lands one instruction
; off; a '.' every 8 ticks; every 16, rewrite PTBR (which flushes the TLB)
; to make the next accesses walk the tables again.
on_timer:
    mfsr r1, epc
    ldw r2, epc_sum(r0)
    add r2, r2, r1
    stw r2, epc_sum(r0)
    mfsr r1, cycles
    ldw r2, cycle_sum(r0)
    add r2, r2, r1
    stw r2, cycle_sum(r0)
    ldw r1, ticks(r0)
    addi r1, r1, 1
    stw r1, ticks(r0)
    andi r2, r1, 7
    bnz r2, 1f
    li r2, '.'
    out r2, 0x10(r0)
1:  andi r2, r1, 15
    bnz r2, trap_return
    mfsr r2, ptbr
    mtsr ptbr, r2
    b trap_return

; A page fault: the demand page gets mapped; anything else is fatal.
on_fault:
    mfsr r1, badvaddr
    la r2, DEMAND_VA
    sub r3, r1, r2
    li r4, 0x1000
    cmp r3, r4
    bgeu 1f
    la r1, L2D
    la r2, DEMAND_PA + PTE_V + PTE_R + PTE_W + PTE_U
    stw r2, 4(r1)
    ldw r1, faults(r0)
    addi r1, r1, 1
    stw r1, faults(r0)
    b trap_return                ; re-execute the access
1:  li r2, '?'
    out r2, 0x10(r0)
    call print_hex
    halt

; A privileged instruction in user mode: say so and skip it.
on_privileged:
    li r2, 'P'
    out r2, 0x10(r0)
    mfsr r1, epc
    addi r1, r1, 4
    mtsr epc, r1
    b trap_return

; System calls: r1 = 1 print the byte r2; 3 print r2 in hex; 2 exit.
on_syscall:
    ldw r1, save_r1(r0)
    cmpi r1, 1
    bne 1f
    ldw r2, save_r2(r0)
    out r2, 0x10(r0)
    b trap_return
1:  cmpi r1, 3
    bne 2f
    ldw r1, save_r2(r0)
    call print_hex
    b trap_return
2:  la r1, msg_ticks
    call puts
    ldw r1, ticks(r0)
    call print_hex
    la r1, msg_faults
    call puts
    ldw r1, faults(r0)
    call print_hex
    la r1, msg_epcs
    call puts
    ldw r1, epc_sum(r0)
    call print_hex
    la r1, msg_cycles
    call puts
    ldw r1, cycle_sum(r0)
    call print_hex
    li r2, '\n'
    out r2, 0x10(r0)
    halt

; puts(r1 = string).  Clobbers r1, r2.
puts:
1:  ldbu r2, 0(r1)
    bz r2, 2f
    out r2, 0x10(r0)
    addi r1, r1, 1
    b 1b
2:  ret

; print_hex(r1): eight hex digits.  Clobbers r2, r3.
print_hex:
    li r3, 28
1:  shr r2, r1, r3
    andi r2, r2, 15
    cmpi r2, 10
    blt 2f
    addi r2, r2, 'a' - 10
    b 3f
2:  addi r2, r2, '0'
3:  out r2, 0x10(r0)
    subi r3, r3, 4
    cmpi r3, 0
    bge 1b
    ret

; ---- the user program (copied to UCODE_PA, runs at UCODE_VA) ------------
; Only registers and fixed virtual addresses: it runs far from where it
; was assembled, and relative branches do not care.
user_code:
    li r9, 0                     ; checksum
    li r10, 0                    ; i
    la r11, DEMAND_VA
    li r12, 3000
1:  mul r3, r10, r10
    add r9, r9, r3
    xor r9, r9, r10
    andi r4, r10, 255
    shli r4, r4, 2
    add r5, r11, r4
    ldw r6, 0(r5)                ; the first one faults: demand paging
    add r6, r6, r9
    stw r6, 0(r5)
    push r6
    pop r7
    andi r4, r10, 63
    bnz r4, 2f
    li r1, 1                     ; print 'u'
    li r2, 'u'
    syscall
2:  addi r10, r10, 1
    cmp r10, r12
    blt 1b
    cli                          ; privileged: the kernel says P
    li r1, 3                     ; print the checksum
    mov r2, r9
    syscall
    li r1, 2                     ; exit
    syscall
user_end:

msg_ticks:  .asciz "\nticks "
msg_faults: .asciz " faults "
msg_epcs:   .asciz " epc-sum "
msg_cycles: .asciz " cycle-sum "
    .align 4

    .data
save_r1: .word 0
save_r2: .word 0
save_r3: .word 0
save_r4: .word 0
save_sp: .word 0
save_lr: .word 0
ticks:   .word 0
faults:  .word 0
epc_sum: .word 0
cycle_sum: .word 0
