; sleeper.s - sleep() and uptime(): take NAPS naps of NAP ticks and check
; with uptime() that at least that much time really passed each time.
; While it sleeps it uses no CPU at all; when every process is asleep the
; kernel idles the CPU with wfi.

    .equ NAPS, 3
    .equ NAP, 5

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    li r9, 1
1:  call uptime
    mov r10, r1                 ; before
    li r1, NAP
    call sleep
    call uptime
    sub r10, r1, r10            ; ticks that passed
    la r1, msg_nap              ; "sleeper: nap 1 of 5 ticks ok"
    call puts
    mov r1, r9
    call putdec
    la r1, msg_of
    call puts
    li r1, NAP
    call putdec
    la r1, msg_ok
    slti r10, r10, NAP          ; woke too early?
    bz r10, 2f
    la r1, msg_early
2:  call puts
    addi r9, r9, 1
    cmpi r9, NAPS
    ble 1b
    li r1, 0
    call exit

msg_nap:   .asciz "sleeper: nap "
msg_of:    .asciz " of "
msg_ok:    .asciz " ticks ok\n"
msg_early: .asciz " ticks FAILED: woke early\n"
    .align 4
    .include "ulib.s"
