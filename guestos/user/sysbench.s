; sysbench.s - a system-call-heavy benchmark: ROUNDS lines, each built
; from PER_ROUND one-byte write() calls interleaved with getpid() calls.
; Every byte is its own trip into the kernel and back; the kernel's line
; buffer (console.s) still prints each line whole.  At the end it checks
; that getpid() never changed its answer.

    .equ ROUNDS, 4
    .equ PER_ROUND, 40

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    call getpid
    mov r12, r1                 ; the pid every later getpid must return
    li r13, 0                   ; getpid answers that differed
    li r9, 1                    ; round
1:  la r1, msg_round            ; "sysbench: round 1 ........"
    call puts
    mov r1, r9
    call putdec
    li r1, ' '
    call putc
    li r10, PER_ROUND
2:  call getpid
    cmp r1, r12
    beq 3f
    addi r13, r13, 1
3:  la r1, dot
    li r2, 1
    call write
    subi r10, r10, 1
    bnz r10, 2b
    li r1, '\n'
    call putc
    addi r9, r9, 1
    cmpi r9, ROUNDS
    ble 1b
    la r1, msg_done             ; "sysbench: 320 calls, getpid stable"
    call puts
    li r1, ROUNDS * PER_ROUND * 2
    call putdec
    la r1, msg_stable
    bz r13, 4f
    la r1, msg_changed
4:  call puts
    li r1, 0
    call exit

dot:         .ascii "."
msg_round:   .asciz "sysbench: round "
msg_done:    .asciz "sysbench: "
msg_stable:  .asciz " getpid+write calls, getpid stable\n"
msg_changed: .asciz " getpid+write calls, getpid CHANGED\n"
    .align 4
    .include "ulib.s"
