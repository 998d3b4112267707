; noline.s - print COUNT bytes ('a' to 'z', over and over) and never a
; newline, then halt: the guest that used to make the console flush of
; several VMs sharing stdout quadratic (console_share.sh).
    .text
_start:
    li r2, COUNT
    li r3, 0                     ; position in the alphabet
1:  bz r2, 3f
    addi r1, r3, 'a'
    out r1, 0x10(r0)
    addi r3, r3, 1
    addi r4, r3, -26
    bnz r4, 2f
    li r3, 0
2:  addi r2, r2, -1
    b 1b
3:  halt
