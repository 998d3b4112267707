; collatz.s - a guestos user program (lab 01, task 1).
;
; For every n from 1 to 30 it prints how many steps the Collatz rule
; (n even: n / 2, n odd: 3n + 1) takes to reach 1, one line each:
;
;     collatz 1: 0 steps
;     collatz 2: 1 steps
;     ...
;     collatz 30: 18 steps
;
; and then one line with its pid (the getpid system call) and the n that
; took the most steps (the first one, if several tie):
;
;     collatz: pid 1, longest 27 (111 steps)
;
; Output goes through ulib.s's puts, putdec and putc (each a write system
; call); exit(0) ends the program.  Remember the calling convention
; (ISA.md section 1): a call may clobber r1..r8 and lr, it keeps r9..r13.

    .include "abi.s"
    .text
    .org USER_BASE
_start:
; LAB 01 BEGIN prog-collatz
    li r9, 1                    ; n
    li r12, 0                   ; the longest so far: n ...
    li r13, -1                  ; ... and its steps
1:  mov r1, r9
    call steps
    mov r10, r1                 ; steps for this n
    cmp r10, r13
    ble 2f
    mov r12, r9
    mov r13, r10
2:  la r1, msg_n                ; "collatz N: S steps\n"
    call puts
    mov r1, r9
    call putdec
    la r1, msg_colon
    call puts
    mov r1, r10
    call putdec
    la r1, msg_steps
    call puts
    addi r9, r9, 1
    cmpi r9, 30
    ble 1b
    la r1, msg_pid              ; "collatz: pid P, longest N (S steps)\n"
    call puts
    call getpid
    call putdec
    la r1, msg_longest
    call puts
    mov r1, r12
    call putdec
    la r1, msg_open
    call puts
    mov r1, r13
    call putdec
    la r1, msg_close
    call puts
    li r1, 0
    call exit

; steps(n): how many Collatz steps from n to 1.  Leaf: uses r1..r3 only.
steps:
    li r2, 0
1:  cmpi r1, 1
    beq 3f
    andi r3, r1, 1
    bnz r3, 2f
    shri r1, r1, 1              ; even: n / 2
    addi r2, r2, 1
    b 1b
2:  add r3, r1, r1              ; odd: 3n + 1
    add r1, r3, r1
    addi r1, r1, 1
    addi r2, r2, 1
    b 1b
3:  mov r1, r2
    ret

msg_n:       .asciz "collatz "
msg_colon:   .asciz ": "
msg_steps:   .asciz " steps\n"
msg_pid:     .asciz "collatz: pid "
msg_longest: .asciz ", longest "
msg_open:    .asciz " ("
msg_close:   .asciz " steps)\n"
; LAB 01 END prog-collatz
    .align 4
    .include "ulib.s"
