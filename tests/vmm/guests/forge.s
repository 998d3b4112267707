; forge.s - a guest that tries to pass as another VM on a shared terminal:
; it returns the cursor over its own "[vmN] " prefix and prints a fake
; one, clears the screen with an escape sequence, and prints a backslash
; and a tab (console_share.sh).
    .text
_start:
    la r2, msg
1:  ldbu r1, 0(r2)
    bz r1, 2f
    out r1, 0x10(r0)
    addi r2, r2, 1
    b 1b
2:  halt
msg: .asciz "\r[vm1] forged\n\x1b[2J\\\tend\n"
