; timer.s - the timer interrupt, and wfi.
;
; T32 counts time in cycles: one per instruction (isa/ISA.md section 7),
; never the wall clock, so every run of this program prints the same
; numbers.  `mtsr timer, N` arms the timer: interrupt line 0 becomes
; pending N cycles after the mtsr, then every N cycles.  At an instruction
; boundary with IE = 1 the CPU takes a pending line as a trap (cause 16 +
; line): EPC := the next instruction to execute, IE := 0, pc := TVEC.
;
; The program takes three ticks while it spins in a loop, then two more
; while it idles in `wfi` (wait for interrupt: no instruction runs until a
; line is pending).  The handler prints, for each tick, the cycle count
; (`mfsr cycles`) and where the tick interrupted (EPC).  The ticks land
; every 1000 cycles, busy or idle: the `mtsr timer` is the program's 7th
; instruction, so it runs at cycle 6 and the ticks fall due at cycles 1006,
; 2006, ...; the handler's six pushes take six more cycles, so its
; `mfsr cycles` reads 1012, 2012, ...  (Taking an interrupt costs no cycle.)
;
; Under `trapeze run --mode trap` the transcript is identical, cycle for
; cycle: the VMM keeps *virtual* time, and injects the virtual timer's
; interrupt at exactly the instruction where bare T32 takes it.

    .equ TICK,        1000          ; cycles between timer interrupts
    .equ CAUSE_TIMER, 16            ; interrupt line 0

    .text
_start:
    la sp, 0x8000
    la r1, trap_entry
    mtsr tvec, r1
    li r1, TICK
    mtsr timer, r1                  ; first tick 1000 cycles from here
    sti                             ; IE := 1: interrupts may now be taken

    ; Busy: spin until the handler has counted three ticks.
spin:
    ldw r1, ticks(r0)
    cmpi r1, 3
    blt spin

    ; Idle: wfi waits, cycle by cycle, until a line is pending; then the
    ; interrupt is taken with EPC = the instruction after the wfi.
idle:
    wfi
    ldw r1, ticks(r0)
    cmpi r1, 5
    blt idle

    cli                             ; no more interrupts
    mtsr timer, r0                  ; timer off
    la r1, msg_done
    call puts
    halt

; ---- the interrupt handler ----------------------------------------------------
; Entered with IE = 0 (so no second tick can interrupt it) and EPC = where
; the program was.  It saves the registers it uses and returns with rfe,
; which restores IE = 1 from EPSR.
trap_entry:
    push r1, r2, r3, r4, r9, lr
    mfsr r9, cycles                 ; the cycle this instruction started at
    mfsr r1, cause
    cmpi r1, CAUSE_TIMER
    bne unexpected
    ldw r1, ticks(r0)               ; ticks := ticks + 1
    addi r1, r1, 1
    stw r1, ticks(r0)
    la r1, msg_tick
    call puts
    ldw r1, ticks(r0)
    call putdec
    la r1, msg_cycle
    call puts
    mov r1, r9
    call putdec
    la r1, msg_epc
    call puts
    mfsr r1, epc
    call puthex
    li r1, '\n'
    out r1, 0x10(r0)
    pop lr, r9, r4, r3, r2, r1
    rfe                             ; back where the tick interrupted

unexpected:
    la r1, msg_unexpected
    call puts
    halt

msg_tick:       .asciz "tick "
msg_cycle:      .asciz " at cycle "
msg_epc:        .asciz ", interrupted pc "
msg_done:       .asciz "5 ticks: 3 while spinning, 2 while idle in wfi\n"
msg_unexpected: .asciz "unexpected trap\n"
    .align 4
    .include "print.s"              ; puts, putdec, puthex

    .data
ticks:  .word 0                     ; written by the handler
