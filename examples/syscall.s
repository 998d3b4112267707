; syscall.s - a kernel, a user program, and a system call between them.
;
; The kernel (kernel mode) installs a trap handler, then drops into user
; mode with `rfe`.  The user program cannot touch the console itself - `out`
; is privileged - so it asks the kernel with `syscall`:
;
;   r7 = call number, r1, r2 = arguments, result in r1 (the same convention
;   as guestos, guestos/README.md "System calls"):
;       1  exit(status)       does not return
;       2  write(buf, len)    prints len bytes from buf; returns len
;       anything else         returns -2 (no such call)
;
; What the hardware does at `syscall` (isa/ISA.md section 6, trap entry):
;   EPSR := PSR (user mode, so K = 0)   EPC := the instruction after syscall
;   CAUSE := 3 (SYSCALL)                PSR.K := 1, PSR.IE := 0
;   pc := TVEC
; and `rfe` undoes it: PSR := EPSR, pc := EPC.  So the handler runs in
; kernel mode, and its `rfe` returns to user mode right after the syscall.
;
; Paging is off: user mode has no memory protection here (ISA.md section
; 8).  examples/paging.s adds page tables.  Under `trapeze run --mode trap`
; the transcript is identical: the VMM reflects each syscall into this
; kernel's handler exactly as the hardware would.

    .equ SYS_EXIT,    1
    .equ SYS_WRITE,   2
    .equ E_NOSYS,     -2
    .equ CAUSE_SYSCALL, 3
    .equ KSTACK,      0x8000        ; the kernel's stack (grows down)
    .equ USTACK,      0x9000        ; the user program's stack

    .text
_start:
    la sp, KSTACK
    la r1, trap_entry               ; every trap now lands in trap_entry
    mtsr tvec, r1
    la r1, msg_start
    call puts
    ; "Return" to user mode: rfe loads PSR from EPSR and pc from EPC, so
    ; set them as if user code had trapped at user_main.
    la r1, user_main
    mtsr epc, r1
    mtsr epsr, r0                   ; PSR = 0: user mode (K = 0), IE = 0
    la sp, USTACK
    rfe                             ; now in user mode, at user_main

; ---- the kernel's trap handler ---------------------------------------------
; Entered in kernel mode with sp still the user's.  The kernel must give
; back every register but r1, so it parks the user sp in the `scratch`
; system register, switches to its own stack and saves what it uses.
trap_entry:
    mtsr scratch, sp                ; park the user's sp ...
    la sp, KSTACK                   ; ... and use the kernel's stack
    push r2, r3, r4, r8, lr
    mfsr r8, cause
    cmpi r8, CAUSE_SYSCALL
    bne not_a_syscall
    cmpi r7, SYS_WRITE
    beq sys_write
    cmpi r7, SYS_EXIT
    beq sys_exit
    li r1, E_NOSYS                  ; unknown call: an error value, no harm
trap_return:
    pop lr, r8, r4, r3, r2          ; the reverse order of the push
    mfsr sp, scratch                ; the user's sp again
    rfe                             ; back to user mode, after the syscall

; write(r1 = buf, r2 = len): print the bytes, return len.  Paging is off, so
; the user's address is a physical address the kernel can use as is.
sys_write:
    mov r3, r1
    add r4, r1, r2                  ; r4 := end of the buffer
1:  cmp r3, r4
    bgeu 2f
    ldbu r8, 0(r3)
    out r8, 0x10(r0)
    addi r3, r3, 1
    b 1b
2:  mov r1, r2
    b trap_return

; exit(r1 = status): report and stop the machine.
sys_exit:
    mov r9, r1
    la r1, msg_exit
    call puts
    mov r1, r9
    call putdec
    la r1, msg_exit_end
    call puts
    halt

not_a_syscall:
    la r1, msg_unexpected
    call puts
    mov r1, r8
    call putdec
    li r1, '\n'
    out r1, 0x10(r0)
    halt

msg_start:      .asciz "kernel: starting the user program in user mode\n"
msg_exit:       .asciz "kernel: the user program called exit("
msg_exit_end:   .asciz "); halting\n"
msg_unexpected: .asciz "kernel: unexpected trap, cause "
    .align 4

; ---- the user program (runs in user mode) -----------------------------------
user_main:
    la r1, msg_hello                ; write(msg_hello, its length)
    li r2, msg_hello_end - msg_hello
    li r7, SYS_WRITE
    syscall                         ; -> trap_entry; back here with r1 = len
    li r7, 99                       ; a call that does not exist
    syscall
    cmpi r1, E_NOSYS                ; the kernel said no, as it should
    bne 1f
    la r1, msg_nosys
    li r2, msg_nosys_end - msg_nosys
    li r7, SYS_WRITE
    syscall
1:  li r1, 0                        ; exit(0)
    li r7, SYS_EXIT
    syscall                         ; does not return

msg_hello:      .ascii "user: hello from user mode, through a system call\n"
msg_hello_end:
msg_nosys:      .ascii "user: system call 99 returned -2, no such call\n"
msg_nosys_end:
    .align 4

    .include "print.s"              ; puts, putdec (kernel mode only)
