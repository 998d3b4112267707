; ticks.s - count timer ticks while waiting for console input, then print
; the count (8 hex digits) and halt.  On bare T32 an `in` that waits for
; the host takes no time, so no tick comes; neither may one come in a VM
; alone on the machine, whatever its --quantum (input_fair.sh).
    .text
_start:
    la r1, tick
    mtsr tvec, r1
    li r1, 100
    mtsr timer, r1
    sti
wait:
    in r2, 0x11(r0)             ; CON_STATUS: RXREADY or RXEOF?
    andi r2, r2, 3
    bz r2, wait
    cli
    li r5, 8                    ; r9, the ticks, in hex
1:  shri r3, r9, 28
    shli r9, r9, 4
    slti r4, r3, 10
    bz r4, 2f
    addi r3, r3, '0'
    b 3f
2:  addi r3, r3, 'a' - 10
3:  out r3, 0x10(r0)
    addi r5, r5, -1
    bnz r5, 1b
    li r3, '\n'
    out r3, 0x10(r0)
    halt

tick:                           ; count it, re-arm, back
    addi r9, r9, 1
    li r1, 100
    mtsr timer, r1
    rfe
