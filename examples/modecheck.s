; modecheck.s - "There is no trap!": ask pushf which mode the CPU is in.
;
; pushf pushes the whole PSR, and bit 0 of the PSR is K: 1 in kernel mode,
; 0 in user mode (isa/ISA.md section 1).  This program starts in kernel
; mode, as every program on bare T32 does, so it prints
;
;     mode check: kernel
;
; Now run the same image under the trap-and-emulate VMM:
;
;     build/bin/trapeze run --mode trap build/examples/modecheck.img
;
; The VMM keeps the real kernel mode for itself and runs this "kernel"
; deprivileged, in real user mode.  That is safe only if every instruction
; that could notice is privileged - if it traps, so that the VMM can step in
; and pretend.  `pushf` is sensitive (it reveals K) but NOT privileged: it
; does not trap, the VMM never sees it, and the program reads the real K:
;
;     mode check: user
;
; That is why T32, like x86 before VT-x, is not classically virtualizable
; (ISA.md, "Virtualizability").  The `out` and `halt` instructions below
; are privileged: they do trap, and the VMM emulates them faithfully.

    .text
_start:
    la sp, 0x8000           ; a stack: pushf and call need one
    pushf                   ; mem[sp - 4] := PSR; sp := sp - 4
    pop r1                  ; r1 := that PSR
    andi r1, r1, 1          ; keep bit 0, K
    la r9, is_kernel        ; r9 := the word to print
    bnz r1, 1f
    la r9, is_user
1:  la r1, mode_check
    call puts
    mov r1, r9
    call puts
    halt

mode_check: .asciz "mode check: "
is_kernel:  .asciz "kernel\n"
is_user:    .asciz "user\n"
    .align 4                ; instructions must start on a word boundary

    .include "print.s"      ; puts
