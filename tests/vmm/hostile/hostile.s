; hostile.s - shared by the hostile guests (included at the end of each).
;
; Each hostile guest attacks the VMM from inside a VM and checks, like a
; kvm-unit-test, that the attack got exactly what bare T32 would give it
; (a BUS_ERROR, an ERROR status, all ones from a port that does not exist).
; It prints "PASS what" or "FAIL what" per check and ends with
; "hostile NAME: N failures" and halt.  The test that runs it
; (tests/vmm/test_hostile.c) checks, from outside, that nothing beyond the
; VM changed.
;
; Registers r11 and r12 belong to the trap handler; r13 counts failures.

.equ PORT_MEMSIZE,     0x00
.equ PORT_CON_DATA,    0x10
.equ PORT_DISK_SECTOR, 0x20
.equ PORT_DISK_ADDR,   0x21
.equ PORT_DISK_COUNT,  0x22
.equ PORT_DISK_CMD,    0x23
.equ PORT_DISK_STATUS, 0x24
.equ PORT_DISK_CTRL,   0x25
.equ DISK_ERROR,       3
.equ CAUSE_LOAD,       8
.equ CAUSE_STORE,      9
.equ CAUSE_BUS,        10
.equ PTE_V,            1
.equ PTE_RWX,          14
.equ PTE_FRAME,        0xfffff000

; skip_handler: count the trap in traps[cause], remember BADVADDR, and step
; over the faulting instruction.
skip_handler:
    mfsr r11, cause
    shli r11, r11, 2
    ldw r12, traps(r11)
    addi r12, r12, 1
    stw r12, traps(r11)
    mfsr r12, badvaddr
    stw r12, last_badvaddr(r0)
    mfsr r12, epc
    addi r12, r12, 4
    mtsr epc, r12
    rfe

; install_handler(): TVEC := skip_handler, trap counters zero.
install_handler:
    la r1, skip_handler
    mtsr tvec, r1
    la r1, traps
    li r2, 0
1:  stw r0, 0(r1)
    addi r1, r1, 4
    addi r2, r2, 1
    cmpi r2, 32
    blt 1b
    li r13, 0
    ret

; puts(r1 = string).  Clobbers r1, r2.
puts:
1:  ldbu r2, 0(r1)
    bz r2, 2f
    out r2, PORT_CON_DATA(r0)
    addi r1, r1, 1
    b 1b
2:  ret

; check(r1 = actual, r2 = expected, r3 = name): print PASS or FAIL name.
check:
    push lr
    cmp r1, r2
    bne 1f
    la r1, msg_pass
    b 2f
1:  la r1, msg_fail
    addi r13, r13, 1
2:  call puts
    mov r1, r3
    call puts
    li r2, '\n'
    out r2, PORT_CON_DATA(r0)
    pop lr
    ret

; check_traps(r1 = cause, r2 = expected count, r3 = name).
check_traps:
    shli r1, r1, 2
    ldw r1, traps(r1)
    b check

; finish(r1 = program name): the summary line, then halt.
finish:
    mov r9, r1
    la r1, msg_hostile
    call puts
    mov r1, r9
    call puts
    la r1, msg_colon
    call puts
    li r3, 10                   ; the count in decimal, up to 99 (one
    cmpi r13, 10                ; character '0' + n printed 16 as '@')
    blt 1f
    divu r2, r13, r3
    addi r2, r2, '0'
    out r2, PORT_CON_DATA(r0)
1:  remu r2, r13, r3
    addi r2, r2, '0'
    out r2, PORT_CON_DATA(r0)
    la r1, msg_failures
    call puts
    halt

msg_pass:     .asciz "PASS "
msg_fail:     .asciz "FAIL "
msg_hostile:  .asciz "hostile "
msg_colon:    .asciz ": "
msg_failures: .asciz " failures\n"
    .align 4

    .data
traps:          .space 128
last_badvaddr:  .word 0
