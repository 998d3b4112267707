; matrix.s - the paging access matrix, as the guest sees it.
;
; Nine test pages at virtual 0x00800000 + i * 4 KiB, each with its own
; permissions (PERMS below: invalid, then R, RW, RX, RWX, and the same with
; U).  Every page is loaded, stored to and jumped into (it holds a `ret`),
; first in kernel mode, then in user mode.  Each probe prints one
; character: '.' if the access went through, else the trap's cause in hex
; (6 misaligned is not used; 7 fetch, 8 load, 9 store fault).  The A and
; D bits these accesses leave are ad.s's subject, not this guest's: it
; checks which accesses the guest's tables allow, A and D right or not.
    .equ L1,   0x20000
    .equ L2K,  0x21000           ; 0..4 MiB: the kernel, identity, no U
    .equ L2U,  0x22000           ; 4..8 MiB: the user alias of the probe page
    .equ L2T,  0x23000           ; 8..12 MiB: the test pages
    .equ TEST_PA, 0x30000
    .equ TEST_VA, 0x800000
    .equ NPAGES, 9
    .equ UPROBE, 0x400000 + 0x3000

    .text
_start:
    la sp, 0x8000
    la r1, handler
    mtsr tvec, r1
    call build
    call build_user
    la r1, L1 | 1
    mtsr ptbr, r1
    li r9, 0                     ; kind: 0 load, 1 store, 2 fetch
1:  la r1, msg_k
    call puts
    call kind_name
    li r10, 0
2:  mov r1, r9
    mov r2, r10
    shli r2, r2, 12
    la r3, TEST_VA
    add r2, r2, r3
    call kprobe
    call mark
    addi r10, r10, 1
    cmpi r10, NPAGES
    blt 2b
    call nl
    addi r9, r9, 1
    cmpi r9, 3
    blt 1b
    li r9, 0                     ; the same in user mode
3:  la r1, msg_u
    call puts
    call kind_name
    li r10, 0
4:  stw r10, upage(r0)
    stw r9, ukind(r0)
    la r1, UPROBE                ; enter the user probe; it comes back
    mtsr epc, r1                 ; with a syscall (handler -> uback)
    mtsr epsr, r0
    mov r1, r9
    mov r2, r10
    shli r2, r2, 12
    la r3, TEST_VA
    add r2, r2, r3
    stw r0, fault(r0)
    rfe
uback:
    la sp, 0x8000
    ldw r9, ukind(r0)
    ldw r10, upage(r0)
    call mark
    addi r10, r10, 1
    cmpi r10, NPAGES
    blt 4b
    call nl
    addi r9, r9, 1
    cmpi r9, 3
    blt 3b
    halt

; kprobe(r1 = kind, r2 = va): the access in kernel mode.
kprobe:
    stw r0, fault(r0)
    cmpi r1, 1
    beq 2f
    bgt 3f
    ldw r3, 0(r2)
    b kdone
2:  stw r2, 4(r2)
    b kdone
3:  push lr
    jalr lr, r2, 0               ; the page's ret comes back here
    pop lr
kdone:
    ret

; mark(): print the last probe's result.
mark:
    ldw r1, fault(r0)
    bz r1, 1f
    addi r1, r1, '0'
    out r1, CON_DATA(r0)
    ret
1:  li r1, '.'
    out r1, CON_DATA(r0)
    ret

kind_name:
    push lr
    shli r1, r9, 3
    la r2, kinds
    add r1, r1, r2
    call puts
    pop lr
    ret

nl:
    li r1, 10
    out r1, CON_DATA(r0)
    ret

; The trap handler: a fault records its cause and resumes after the probe
; (kernel: kdone, with lr; user: the probe's syscall); a syscall ends a
; user probe.
handler:
    mfsr r4, cause
    cmpi r4, 3
    beq 2f
    stw r4, fault(r0)
    mfsr r5, epsr
    andi r5, r5, 1
    bz r5, 1f
    la r5, kdone                 ; (a fetch fault: kprobe's lr is on the stack)
    mtsr epc, r5
    rfe
1:  la r5, UPROBE + (udone - uprobe)
    mtsr epc, r5
    rfe
2:  la r5, uback
    mtsr epc, r5
    li r5, 1
    mtsr epsr, r5
    rfe

; build_user(): the user's table, L2U (4..8 MiB): the probe page, user R X.
build_user:
    la r1, L2U + 4 * 3
    la r2, 0x3000 | 0x1b
    stw r2, 0(r1)
    la r1, L1
    la r2, L2U | 1
    stw r2, 4(r1)
    ret

    .include "tables.s"          ; build(): the kernel's and the test pages' tables

perms:  .word 0, 0x3, 0x7, 0xb, 0xf, 0x13, 0x17, 0x1b, 0x1f
kinds:  .asciz "load   "
        .asciz "store  "
        .asciz "fetch  "
msg_k:  .asciz "kernel "
msg_u:  .asciz "user   "
    .align 4
    .include "print.s"

; The user probe: its page is mapped at 0x00403000 too, with U.
    .org 0x3000
uprobe:
    cmpi r1, 1
    beq 2f
    bgt 3f
    ldw r3, 0(r2)
    b udone
2:  stw r2, 4(r2)
    b udone
3:  jalr lr, r2, 0
udone:
    syscall

    .data
    .org 0x5000
fault:  .word 0
ukind:  .word 0
upage:  .word 0
