; tables.s - build(): the page tables ad.s and matrix.s share.  Each guest
; gives L1, L2K, L2T, TEST_PA, NPAGES and perms (one PTE's bits a test
; page) with .equ and .word; build() maps 0..256 KiB identity for the
; kernel (L2K, R W X), the NPAGES test pages at TEST_PA with perms[i]
; (L2T), puts a `ret` at the start of every test page, and enters L2K
; and L2T in L1 (0..4 MiB, 8..12 MiB).
build:
    la r1, L2K                   ; kernel: 0..256 KiB identity, R W X
    li r2, 0
1:  ori r3, r2, 0xf
    stw r3, 0(r1)
    addi r1, r1, 4
    li r4, 0x1000
    add r2, r2, r4
    la r4, 0x40000
    cmp r2, r4
    bltu 1b
    la r1, L2T
    la r2, TEST_PA
    la r5, perms
    li r6, NPAGES
    ldw r7, ret_word(r0)
2:  ldw r3, 0(r5)
    or r3, r3, r2
    stw r3, 0(r1)
    stw r7, 0(r2)
    addi r1, r1, 4
    addi r5, r5, 4
    li r4, 0x1000
    add r2, r2, r4
    subi r6, r6, 1
    bnz r6, 2b
    la r1, L1
    la r2, L2K | 1
    stw r2, 0(r1)
    la r2, L2T | 1
    stw r2, 8(r1)
    ret

ret_word:
    ret
