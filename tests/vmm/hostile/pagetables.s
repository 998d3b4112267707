; pagetables.s - page tables that point outside the VM.
;
; The guest's page tables hold guest-physical frame numbers.  A frame
; number past the end of this VM's RAM names, in host-physical terms,
; another VM's RAM or the VMM's own memory (where the shadow tables are).
; Bare T32 with this much RAM raises BUS_ERROR for such a mapping; so must
; the VM - whether the bad frame is a page, an L2 table, or a page-table
; entry the guest rewrites without flushing its TLB.
;
; Guest-physical layout: L1 table at 0x30000, L2 tables at 0x31000 (virtual
; 0..4 MiB: identity map of our RAM) and 0x32000 (virtual 4..8 MiB: the
; hostile mappings).
    .text
_start:
    la sp, 0x2f000
    call install_handler
    in r6, PORT_MEMSIZE(r0)
    call build_identity
    call build_hostile
    la r1, 0x30000 + 1           ; PTBR: root at 0x30000, E = 1
    mtsr ptbr, r1

    ; Every hostile page: a load and a store, each a bus error.
    la r2, 0x400000
    li r3, 7
1:  ldw r4, 0(r2)
    stw r4, 0(r2)
    li r5, 0x1000
    add r2, r2, r5
    subi r3, r3, 1
    bnz r3, 1b
    ; An L2 table outside RAM (virtual 8 MiB): the walk itself fails.
    la r2, 0x800000
    ldw r4, 0(r2)
    stw r4, 0(r2)
    li r1, CAUSE_BUS
    li r2, 16
    la r3, name_bus
    call check_traps

    ; Stale mappings: map virtual 0x408000 to our frame 0x20000, use it,
    ; then point the entry outside RAM *without* flushing.
    la r2, 0x20000
    la r3, 0x600dcafe
    stw r3, 0(r2)
    la r1, 0x32000 + 8 * 4
    la r2, 0x20000 + PTE_RWX + PTE_V
    stw r2, 0(r1)
    tlbflush
    la r8, 0x408000
    ldw r4, 0(r8)                ; cached now
    mov r1, r4
    la r2, 0x600dcafe
    la r3, name_mapped
    call check
    la r1, 0x32000 + 8 * 4
    ori r2, r6, PTE_RWX + PTE_V  ; now the frame just past our RAM
    stw r2, 0(r1)
    li r4, 0
    ldw r4, 0(r8)                ; the TLB may still use the old mapping,
    mov r1, r4                   ; which reaches only our own frame; or
    la r2, 0x600dcafe            ; the access faults and r4 stays 0.
    cmp r1, r2                   ; Anything else was read from memory
    bne 2f                       ; that is not ours.
    li r1, 0
2:  li r2, 0
    la r3, name_stale
    call check
    li r1, CAUSE_BUS             ; r9 = bus errors so far
    shli r1, r1, 2
    ldw r9, traps(r1)
    tlbflush
    ldw r4, 0(r8)
    stw r4, 0(r8)
    li r1, CAUSE_BUS
    shli r1, r1, 2
    ldw r1, traps(r1)
    sub r1, r1, r9
    li r2, 2
    la r3, name_flushed
    call check

    mtsr ptbr, r0                ; paging off again
    la r1, name
    call finish

; build_identity(): L1[0] -> L2 at 0x31000, mapping the first 256 KiB of
; our RAM (all this program uses) 1:1, RWX.
build_identity:
    la r1, 0x31000
    li r2, 0                     ; frame address
    la r5, 0x40000
1:  ori r3, r2, PTE_RWX + PTE_V
    stw r3, 0(r1)
    addi r1, r1, 4
    li r4, 0x1000
    add r2, r2, r4
    cmp r2, r5
    bltu 1b
    la r1, 0x31000 + PTE_V
    la r2, 0x30000
    stw r1, 0(r2)
    ret

; build_hostile(): L1[1] -> L2 at 0x32000, whose first seven entries map
; frames outside our RAM (memsize + offset, for the targets below 16 MiB;
; the others are absolute); L1[2] -> an "L2 table" outside our RAM.
build_hostile:
    la r1, 0x32000
    la r5, targets
    li r3, 7
    lui r7, 0x100                ; 16 MiB
1:  ldw r2, 0(r5)
    cmp r2, r7
    bgeu 2f
    add r2, r2, r6               ; an offset from the end of our RAM
2:  ori r2, r2, PTE_RWX + PTE_V
    stw r2, 0(r1)
    addi r1, r1, 4
    addi r5, r5, 4
    subi r3, r3, 1
    bnz r3, 1b
    la r2, 0x30000
    la r1, 0x32000 + PTE_V
    stw r1, 4(r2)
    ori r1, r6, PTE_V            ; L1[2]: the frame just past our RAM
    stw r1, 8(r2)
    ret

targets: .word 0, 0x1000, 0x3ff000, 0xfffff000, 0x80000000, 0x7ffff000, 0x40000000

name:         .asciz "pagetables"
name_bus:     .asciz "pages and tables outside RAM are bus errors"
name_mapped:  .asciz "our own frame through a mapping"
name_stale:   .asciz "a stale mapping reaches only our own frame"
name_flushed: .asciz "after tlbflush the bad mapping is a bus error"
    .align 4
    .include "hostile.s"
