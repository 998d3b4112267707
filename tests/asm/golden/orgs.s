; Labels above an .org that places their section name the .org's address,
; in the listing and in every expression that reads them, .equ included.
        .text
start:
1:
        .equ entry, start
        .equ second, 1b + 4
        .org 0x2000
        addi r1, r0, entry
        addi r2, r0, second
        halt

        .data
table:  .org 0x6000
        .word table
