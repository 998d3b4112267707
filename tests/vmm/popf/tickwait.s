; tickwait.s - the popf problem in a page of assembly.
;
; A kernel turns interrupts on, runs the usual critical-section idiom
;
;     pushf ; cli ; ... ; popf        save IE, interrupts off, restore IE
;
; and then waits for its timer interrupt to bump `ticks`.  On bare T32 popf
; restores IE = 1 and the tick arrives.  Deprivileged under trap-and-
; emulate, the kernel runs in real user mode: cli traps and is emulated
; (virtual IE := 0), but popf does not trap - and in user mode it silently
; leaves IE alone.  Virtual IE stays 0, the tick is never delivered, and
; the kernel waits for ever.  First it asks pushf which mode it is in.
    .text
_start:
    la sp, 0x8000
    la r1, handler
    mtsr tvec, r1
    pushf                        ; the mode check: pushf stores the real PSR
    pop r1
    andi r1, r1, 1               ; its K bit
    la r2, msg_kernel
    bnz r1, 1f
    la r2, msg_user
1:  la r1, msg_mode
    call puts
    mov r1, r2
    call puts

    li r1, 1000
    mtsr timer, r1               ; a tick every 1000 cycles
    sti
    pushf                        ; critical section: save IE (= 1) ...
    cli                          ; ... interrupts off ...
    addi r9, r9, 1               ; ... touch shared state ...
    popf                         ; ... and IE back as it was: 1?
    la r1, msg_wait
    call puts
2:  ldw r3, ticks(r0)            ; wait for the timer interrupt
    bz r3, 2b
    la r1, msg_tick
    call puts
    halt

; The timer interrupt: count it and return.
handler:
    push r3
    ldw r3, ticks(r0)
    addi r3, r3, 1
    stw r3, ticks(r0)
    pop r3
    rfe

; puts(r1 = string).  Clobbers r1, r4.
puts:
1:  ldbu r4, 0(r1)
    bz r4, 2f
    out r4, 0x10(r0)
    addi r1, r1, 1
    b 1b
2:  ret

msg_mode:   .asciz "mode check: "
msg_kernel: .asciz "kernel\n"
msg_user:   .asciz "user\n"
msg_wait:   .asciz "critical section done, waiting for a timer tick\n"
msg_tick:   .asciz "tick arrived\n"
    .align 4
    .data
ticks:      .word 0
