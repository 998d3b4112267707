; vstate.s - the virtual state a trap-and-emulate VMM keeps for its guest.
;
; A kernel (no paging) that prints what bare T32 would show it:
;   1. every system register written with mtsr and read back with mfsr
;      (EPSR keeps only N Z C V, IE and K; read-only registers ignore writes;
;      the cycle counter is a timing fingerprint: one cycle per instruction);
;   2. a system register that does not exist: ILLEGAL, reflected;
;   3. interrupts: a tick stays pending while IE = 0 (cli), is taken right
;      after sti, and wakes wfi even with IE = 0;
;   4. user mode, entered with rfe: a system call, a privileged instruction,
;      a division by zero, a misaligned load and a tick, each a trap whose
;      CAUSE, EPC, EPSR and BADVADDR the handler prints.
; The transcript under a VMM must be byte for byte the bare one.

    .equ KSTACK, 0x8000
    .equ USTACK, 0x9000

.macro rw name, value
    la r1, \value
    mtsr \name, r1
    li r1, 0
    mfsr r1, \name
    call show
.endm

    .text
_start:
    la sp, KSTACK
    la r1, handler
    mtsr tvec, r1
    ; ---- 1. system registers ----------------------------------------------
    rw epc, 0x00001234
    rw epsr, 0xfffffff3          ; reserved bits read as zero
    rw cause, 7
    rw badvaddr, 0xdeadbeef
    rw scratch, 0x5a5a1234
    rw cpuid, 77                 ; read-only
    rw ipend, 0xffff             ; read-only
    mfsr r1, cycles
    call show
    mfsr r1, tvec
    call show
    ; ---- 2. no such register ------------------------------------------------
    .word 0x5010001f             ; mfsr r1, 31: ILLEGAL
    ; ---- 3. interrupts --------------------------------------------------------
    cli
    li r1, 40
    mtsr timer, r1               ; due in 40 cycles, but IE = 0
    li r2, 100
1:  subi r2, r2, 1
    bnz r2, 1b
    mfsr r1, ipend               ; pending, not taken
    call show
    sti                          ; taken right here
    nop
    cli
    li r1, 300
    mtsr timer, r1
    wfi                          ; wakes with IE = 0: no trap
    mfsr r1, ipend
    call show
    mfsr r1, cycles
    call show
    sti                          ; now it is taken
    nop
    ; ---- 4. user mode ---------------------------------------------------------
    la r1, user
    mtsr epc, r1
    li r1, 2                     ; EPSR: IE = 1, K = 0
    mtsr epsr, r1
    li r1, 3000                  ; a tick that comes in user mode
    mtsr timer, r1
    rfe

; show(r1): print it in hex and a newline.  Keeps r9..r13.
show:
    push lr
    call puthex
    li r1, 10
    out r1, CON_DATA(r0)
    pop lr
    ret

; ---- the trap handler: print cause, epc, epsr, badvaddr -----------------------
handler:
    stw r1, save(r0)
    stw r2, save + 4(r0)
    stw r3, save + 8(r0)
    stw lr, save + 12(r0)
    stw sp, save + 16(r0)
    la sp, KSTACK - 0x1000
    la r1, msg_trap
    call puts
    mfsr r1, cause
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, epc
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, epsr
    call puthex
    li r1, ' '
    out r1, CON_DATA(r0)
    mfsr r1, badvaddr
    call show
    mfsr r1, cause
    cmpi r1, 16
    beq on_tick
    cmpi r1, 3
    beq on_syscall
    mfsr r1, epc                 ; a fault: skip the instruction
    addi r1, r1, 4
    mtsr epc, r1
    b back
on_tick:
    mtsr timer, r0               ; one tick is enough
    b back
on_syscall:
    cmpi r7, 1
    bne back
    la r1, msg_done
    call puts
    halt
back:
    ldw r1, save(r0)
    ldw r2, save + 4(r0)
    ldw r3, save + 8(r0)
    ldw lr, save + 12(r0)
    ldw sp, save + 16(r0)
    rfe

; ---- the user program ----------------------------------------------------------
user:
    la sp, USTACK
    li r7, 2
    syscall                      ; SYSCALL, EPC after it
    cli                          ; PRIVILEGED in user mode
    li r2, 0
    div r3, r2, r2               ; DIVZERO
    ldw r3, 2(r0)                ; MISALIGNED, BADVADDR 2
    li r2, 2000
1:  subi r2, r2, 1               ; the tick lands in this loop
    bnz r2, 1b
    li r7, 1
    syscall                      ; exit

msg_trap: .asciz "trap "
msg_done: .asciz "user exit: done\n"
    .align 4
    .data
save: .space 20
    .text
    .include "print.s"
