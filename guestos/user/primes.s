; primes.s - a CPU-bound benchmark: count the primes below LIMIT by trial
; division, then print the count and the largest one.  It makes no system
; call until the end, so it runs only when the scheduler gives it a slice.

    .equ LIMIT, 5000

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    li r9, 2                    ; candidate
    li r10, 0                   ; primes found
    li r11, 0                   ; the largest so far
1:  li r2, LIMIT
    cmp r9, r2
    bge 5f
    li r3, 2                    ; trial divisor
2:  mul r4, r3, r3
    cmp r4, r9
    bgt 3f                      ; no divisor up to sqrt(n): prime
    rem r4, r9, r3
    bz r4, 4f                   ; divisible: not prime
    addi r3, r3, 1
    b 2b
3:  addi r10, r10, 1
    mov r11, r9
4:  addi r9, r9, 1
    b 1b
5:  la r1, msg1                 ; "primes: 669 below 5000, largest 4999"
    call puts
    mov r1, r10
    call putdec
    la r1, msg2
    call puts
    li r1, LIMIT
    call putdec
    la r1, msg3
    call puts
    mov r1, r11
    call putdec
    li r1, '\n'
    call putc
    li r1, 0
    call exit

msg1: .asciz "primes: "
msg2: .asciz " below "
msg3: .asciz ", largest "
    .align 4
    .include "ulib.s"
