; ad.s - the accessed (A) and dirty (D) bits, as the guest sees them.
;
; Seven test pages at virtual 0x00800000 + i * 4 KiB, each with its own L2
; entry (PERMS below), touched only in ways their entries allow, but for
; page 6: its first access, a store, faults (the handler steps over it).
; So what this guest checks is the A and D bits alone - matrix.s checks
; which accesses the guest's tables allow.
;   page 0  R          a load                       A
;   page 1  R W        a store                      A D
;   page 2  R W        a load, then a store         A, then D (the first
;                                                   store through a clean
;                                                   translation walks again)
;   page 3  R X        a fetch (it holds a `ret`)   A
;   page 4  R W, D set a store                      A (D was set)
;   page 5  R W        nothing                      neither
;   page 6  R          a store, which faults        neither (a fault never
;                                                   sets them)
; The kernel prints the seven L2 entries, and those of its own first eight
; pages (code, data, stack: A where it ran or read, D where it wrote).
; Then it clears A and D in the test pages' entries, flushes the TLB, loads
; from page 1, stores to page 2, and prints the seven entries again.
    .equ L1,   0x20000
    .equ L2K,  0x21000           ; 0..4 MiB: the kernel, identity
    .equ L2T,  0x23000           ; 8..12 MiB: the test pages
    .equ TEST_PA, 0x30000
    .equ TEST_VA, 0x800000
    .equ NPAGES, 7

    .text
_start:
    la sp, 0x8000
    la r1, handler
    mtsr tvec, r1
    call build
    la r1, L1 | 1
    mtsr ptbr, r1
    la r9, TEST_VA
    ldw r1, 0(r9)                ; page 0: load
    li r2, 0x1000
    add r9, r9, r2
    stw r1, 8(r9)                ; page 1: store
    add r9, r9, r2
    ldw r1, 0(r9)                ; page 2: load ...
    stw r1, 12(r9)               ; ... then store
    add r9, r9, r2
    jalr lr, r9, 0               ; page 3: fetch (its ret comes back)
    li r2, 0x1000
    add r9, r9, r2
    stw r1, 16(r9)               ; page 4: store
    li r2, 0x2000
    add r9, r9, r2
    stw r1, 24(r9)               ; page 6: a store, STORE_FAULT
    call entries
    la r1, msg_kernel
    call puts
    la r9, L2K                   ; the kernel's own pages 0..7
    li r10, 8
    call dump
    ; ---- A and D cleared, the TLB flushed ----------------------------------------
    la r9, L2T
    la r5, perms
    li r6, NPAGES
    la r7, ~0x60                 ; A and D
1:  ldw r3, 0(r9)
    and r3, r3, r7               ; off
    ldw r4, 0(r5)
    andi r4, r4, 0x40            ; (page 4 keeps the D it started with)
    or r3, r3, r4
    stw r3, 0(r9)
    addi r9, r9, 4
    addi r5, r5, 4
    subi r6, r6, 1
    bnz r6, 1b
    tlbflush
    la r9, TEST_VA + 0x1000
    ldw r1, 0(r9)                ; page 1: a load this time
    la r9, TEST_VA + 0x2000
    stw r1, 20(r9)               ; page 2: a store first
    la r1, msg_again
    call puts
    call entries
    halt

; The trap handler: page 6's store fault; step over the store.
handler:
    mfsr r4, epc
    addi r4, r4, 4
    mtsr epc, r4
    rfe

; entries(): the test pages' L2 entries.
entries:
    push lr
    la r9, L2T
    li r10, NPAGES
    call dump
    pop lr
    ret

; dump(r9 = first entry, r10 = count): one entry a line.
dump:
    push lr
1:  ldw r1, 0(r9)
    call puthex
    li r1, 10
    out r1, CON_DATA(r0)
    addi r9, r9, 4
    subi r10, r10, 1
    bnz r10, 1b
    pop lr
    ret

    .include "tables.s"          ; build(): the page tables

perms:  .word 0x3, 0x7, 0x7, 0xb, 0x47, 0x7, 0x3
msg_kernel: .asciz "kernel pages:\n"
msg_again:  .asciz "after a tlbflush:\n"
    .align 4
    .include "print.s"
