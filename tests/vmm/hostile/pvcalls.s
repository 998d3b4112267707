; pvcalls.s - a paravirtual guest that hands the VMM every bad argument.
;
; Runs under --mode pv (test_hostile.c), where `hcall N` in kernel mode is
; a hypercall (vmm/HYPERCALLS.md).  Each hypercall that takes a pointer, a
; length, a frame or a physical address gets ones outside this VM's RAM
; (where, in host-physical terms, the neighbour VMs live), wrapping around
; 2^32, misaligned, too long, or unmapped by the guest's own page table -
; and must answer with an error code, change nothing, and never fault the
; VMM.  Then the good arguments, to show the calls work at all, and an
; hcall from user mode, which must trap ILLEGAL as on bare T32.
;
; Guest-physical layout (RAM = 256 KiB): code and data from 0x1000, an L1
; table at 0x20000 and its L2 table at 0x21000 (identity map of our RAM
; but for the page at 0x10000), the shared page at 0x30000, stack below
; 0x2f000.
.equ HC_SHARED_PAGE, 1
.equ HC_CONSOLE,     2
.equ HC_SET_TVEC,    3
.equ HC_SET_PTBR,    4
.equ HC_MMU_UPDATE,  5
.equ E_FAULT,       -1
.equ E_NOSYS,       -2
.equ E_INVAL,       -3
.equ E_FRAME,       -4
.equ CAUSE_ILLEGAL,  1
.equ RAM_END,        0x40000

; expect NAME: r1 (a hypercall's result) must equal r2.
.macro expect name
    la r3, \name
    call check
.endm

    .text
_start:
    la sp, 0x2f000
    call install_handler

    ; ---- call numbers ----------------------------------------------------
    hcall 0
    li r2, E_NOSYS
    expect n_nosys0
    hcall 0xffff
    li r2, E_NOSYS
    expect n_nosys

    ; ---- CONSOLE: pointers and lengths ----------------------------------
    la r1, RAM_END               ; just past our RAM: the next VM's
    li r2, 4
    hcall HC_CONSOLE
    li r2, E_FAULT
    expect n_con_past
    la r1, RAM_END - 2           ; straddles the end of RAM
    li r2, 4
    hcall HC_CONSOLE
    li r2, E_FAULT
    expect n_con_straddle
    la r1, 0xfffffff0            ; wraps around 2^32
    li r2, 32
    hcall HC_CONSOLE
    li r2, E_FAULT
    expect n_con_wrap
    la r1, msg_ok
    la r2, 5000                  ; over the 4096-byte limit
    hcall HC_CONSOLE
    li r2, E_INVAL
    expect n_con_long
    la r1, msg_ok
    li r2, 3
    hcall HC_CONSOLE             ; prints "ok\n"
    li r2, 3
    expect n_con_ok

    ; ---- SHARED_PAGE ------------------------------------------------------
    la r1, RAM_END
    hcall HC_SHARED_PAGE
    li r2, E_FAULT
    expect n_sh_past
    la r1, 0xfffff000
    hcall HC_SHARED_PAGE
    li r2, E_FAULT
    expect n_sh_top
    la r1, 0x30004
    hcall HC_SHARED_PAGE
    li r2, E_INVAL
    expect n_sh_align
    la r1, 0x30000
    hcall HC_SHARED_PAGE
    li r2, 0
    expect n_sh_ok
    la r1, 0x30000 + 28          ; the page's PSR: K = 1, we are the kernel
    ldw r1, 0(r1)
    andi r1, r1, 1
    li r2, 1
    expect n_sh_psr

    ; ---- SET_TVEC, SET_PTBR ----------------------------------------------
    la r1, skip_handler + 2
    hcall HC_SET_TVEC
    li r2, E_INVAL
    expect n_tvec_align
    la r1, RAM_END + 1           ; paging on, root past our RAM
    hcall HC_SET_PTBR
    li r2, E_FRAME
    expect n_ptbr_past
    la r1, 0xfffff001
    hcall HC_SET_PTBR
    li r2, E_FRAME
    expect n_ptbr_top

    ; ---- MMU_UPDATE --------------------------------------------------------
    la r1, pairs
    li r2, 2000                  ; over the 1024-pair limit
    hcall HC_MMU_UPDATE
    li r2, E_INVAL
    expect n_mmu_many
    la r1, RAM_END - 8           ; the array itself past RAM
    li r2, 2
    hcall HC_MMU_UPDATE
    li r2, E_FAULT
    expect n_mmu_array
    la r1, pairs + 2             ; the array misaligned: its words cannot be loaded
    li r2, 1
    hcall HC_MMU_UPDATE
    li r2, E_FAULT
    expect n_mmu_array_align
    la r9, RAM_END               ; a PTE in the next VM
    li r10, 0
    call one_update
    li r2, E_FAULT
    expect n_mmu_pte_past
    la r9, 0xfffffffc
    li r10, 0
    call one_update
    li r2, E_FAULT
    expect n_mmu_pte_top
    la r9, target + 2            ; a misaligned PTE
    li r10, 0
    call one_update
    li r2, E_INVAL
    expect n_mmu_pte_align
    la r9, target                ; a valid entry for a frame of the next VM
    la r10, RAM_END | 0xf
    call one_update
    li r2, E_FRAME
    expect n_mmu_frame
    ; All or nothing: a good pair, then a bad one - target stays.
    la r1, target
    stw r1, pairs(r0)
    la r1, 0x5000 | 0xf
    stw r1, pairs + 4(r0)
    la r1, RAM_END
    stw r1, pairs + 8(r0)
    stw r0, pairs + 12(r0)
    la r1, pairs
    li r2, 2
    hcall HC_MMU_UPDATE
    li r2, E_FAULT
    expect n_mmu_batch
    ldw r1, target(r0)
    li r2, 0x77
    expect n_mmu_none
    la r9, target                ; and a good one alone
    la r10, 0x5000 | 0xf
    call one_update
    li r2, 1
    expect n_mmu_ok
    ldw r1, target(r0)
    la r2, 0x5000 | 0xf
    expect n_mmu_written

    ; ---- pointers the guest's own page table does not map -----------------
    call build_tables
    la r1, 0x20000 + 1
    hcall HC_SET_PTBR
    li r2, 0
    expect n_ptbr_ok
    la r1, 0x10000               ; a hole in our map
    li r2, 4
    hcall HC_CONSOLE
    li r2, E_FAULT
    expect n_con_unmapped
    la r1, 0x10000
    li r2, 1
    hcall HC_MMU_UPDATE
    li r2, E_FAULT
    expect n_mmu_unmapped
    li r1, 0                     ; paging off again
    hcall HC_SET_PTBR

    ; ---- an hcall from user mode: ILLEGAL, as on bare T32 ------------------
    la r1, back_handler
    mtsr tvec, r1
    la r1, user_code
    mtsr epc, r1
    mtsr epsr, r0                ; user mode
    rfe
back:
    ldw r1, user_cause(r0)
    li r2, CAUSE_ILLEGAL
    expect n_user

    la r1, name
    call finish

; one_update(r9 = PTE address, r10 = value): MMU_UPDATE with that pair.
one_update:
    stw r9, pairs(r0)
    stw r10, pairs + 4(r0)
    la r1, pairs
    li r2, 1
    hcall HC_MMU_UPDATE
    ret

; build_tables(): L1 at 0x20000 -> L2 at 0x21000, identity over our RAM
; with R W X, but for the page at 0x10000.
build_tables:
    la r1, 0x20000
    la r2, 0x21000 | 1
    stw r2, 0(r1)
    la r1, 0x21000
    li r2, 0
    la r3, RAM_END
1:  ori r4, r2, 0xf              ; V R W X
    la r5, 0x10000
    cmp r2, r5
    bne 2f
    li r4, 0
2:  stw r4, 0(r1)
    addi r1, r1, 4
    la r5, 0x1000
    add r2, r2, r5
    cmp r2, r3
    bltu 1b
    ret

user_code:
    hcall HC_CONSOLE             ; user mode: traps ILLEGAL
    b user_code

; back_handler: note the cause, return to `back` in kernel mode.
back_handler:
    mfsr r1, cause
    stw r1, user_cause(r0)
    la r1, back
    mtsr epc, r1
    li r1, 1                     ; K = 1, IE = 0
    mtsr epsr, r1
    rfe

name:           .asciz "pvcalls"
msg_ok:         .asciz "ok\n"
n_nosys0:       .asciz "call 0 is no call"
n_nosys:        .asciz "call 0xffff is no call"
n_con_past:     .asciz "console: buffer past RAM"
n_con_straddle: .asciz "console: buffer across the end of RAM"
n_con_wrap:     .asciz "console: buffer wrapping around"
n_con_long:     .asciz "console: too long"
n_con_ok:       .asciz "console: a good buffer"
n_sh_past:      .asciz "shared page past RAM"
n_sh_top:       .asciz "shared page at the top of the address space"
n_sh_align:     .asciz "shared page misaligned"
n_sh_ok:        .asciz "shared page registered"
n_sh_psr:       .asciz "shared page says kernel mode"
n_tvec_align:   .asciz "tvec misaligned"
n_ptbr_past:    .asciz "ptbr root past RAM"
n_ptbr_top:     .asciz "ptbr root at the top"
n_mmu_many:     .asciz "mmu-update: too many pairs"
n_mmu_array:    .asciz "mmu-update: pairs past RAM"
n_mmu_array_align: .asciz "mmu-update: pairs misaligned"
n_mmu_pte_past: .asciz "mmu-update: a PTE past RAM"
n_mmu_pte_top:  .asciz "mmu-update: a PTE at the top"
n_mmu_pte_align: .asciz "mmu-update: a misaligned PTE"
n_mmu_frame:    .asciz "mmu-update: a frame of the next VM"
n_mmu_batch:    .asciz "mmu-update: a bad pair in a batch"
n_mmu_none:     .asciz "mmu-update: nothing of a refused batch written"
n_mmu_ok:       .asciz "mmu-update: a good pair"
n_mmu_written:  .asciz "mmu-update: the good pair written"
n_ptbr_ok:      .asciz "ptbr: our own table"
n_con_unmapped: .asciz "console: an unmapped buffer"
n_mmu_unmapped: .asciz "mmu-update: unmapped pairs"
n_user:         .asciz "hcall from user mode traps illegal"
    .align 4

    .data
pairs:      .space 16
target:     .word 0x77
user_cause: .word 0
    .text
    .include "hostile.s"
