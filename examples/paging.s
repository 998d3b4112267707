; paging.s - a user process in its own address space.
;
; The kernel builds two-level page tables (isa/ISA.md section 8), turns
; paging on, and enters a user program with `rfe`.  The program lives at
; virtual address 0x00400000 and has a one-page stack just below
; 0x00800000; both are backed by frames the kernel chose.  The kernel's own
; pages are mapped too - at their physical addresses, so the kernel goes on
; running when paging comes on - but without the U bit, so user code cannot
; touch them.  The program prints a line through a system call, pushes a
; word on its stack, then reads a kernel word: a LOAD_FAULT, which the
; kernel reports before it halts.
;
; Physical memory                      Virtual (with paging on)
;   0x00001000  this kernel (.text)      0x00001000-0x0001ffff = physical,
;   0x00008000  kernel stack top           kernel only (U = 0)
;   0x00010000  L1 table (the root)      0x00400000  user code -> 0x20000
;   0x00011000  L2 table for 0-4 MiB     0x007ff000  user stack -> 0x21000
;   0x00012000  L2 table for 4-8 MiB     everything else: not mapped
;   0x00020000  the user program's frame
;   0x00021000  the user stack's frame
;   0x00400000  where the loader put the user program (copied to 0x20000)
;
; A page-table entry is `frame | flags`: V 1 valid, R 2, W 4, X 8, U 16 user,
; A 32 accessed, D 64 dirty (A and D are set by the hardware).  PTBR holds
; the root's frame, with bit 0 = paging on.
;
; Under `trapeze run --mode trap` the transcript is the same: the real MMU
; then walks the VMM's shadow tables, which it fills from these tables on
; the program's first touch of each page (vmm/README.md, "Shadow page
; tables").

    .equ L1,          0x10000
    .equ L2_LOW,      0x11000       ; maps virtual 0 - 4 MiB
    .equ L2_USER,     0x12000       ; maps virtual 4 - 8 MiB
    .equ UCODE_FRAME, 0x20000
    .equ USTACK_FRAME,0x21000
    .equ UCODE_VA,    0x400000
    .equ USTACK_VA,   0x7ff000      ; the stack page: 0x7ff000-0x7fffff
    .equ KSTACK,      0x8000
    .equ KERNEL_END,  0x20000       ; the kernel maps 0x1000-0x1ffff
    .equ PTE_V, 1
    .equ PTE_R, 2
    .equ PTE_W, 4
    .equ PTE_X, 8
    .equ PTE_U, 16
    .equ SYS_WRITE,   2
    .equ CAUSE_SYSCALL, 3

    .text
_start:
    la sp, KSTACK
    la r1, trap_entry
    mtsr tvec, r1
    call load_user
    call build_tables
    la r1, L1 + 1                   ; PTBR := root frame | E: paging on
    mtsr ptbr, r1
    la r1, msg_paging
    call puts
    la r1, UCODE_VA                 ; enter the user program: EPC, EPSR
    mtsr epc, r1
    mtsr epsr, r0                   ; user mode, interrupts off
    la sp, USTACK_VA + 0x1000       ; its stack pointer: a virtual address
    rfe

; load_user(): copy the program to its frame, as a loader reading it from
; a disk would (guestos/kernel/loader.s).  Paging is still off.
load_user:
    la r1, user_main                ; 0x400000, where t32as put it
    la r2, user_end
    la r3, UCODE_FRAME
1:  ldw r4, 0(r1)
    stw r4, 0(r3)
    addi r1, r1, 4
    addi r3, r3, 4
    cmp r1, r2
    bltu 1b
    ret

; build_tables(): the mappings of the picture above.
build_tables:
    la r1, L2_LOW + 4               ; entry 1 = virtual page 0x1000
    la r2, 0x1000 + PTE_V + PTE_R + PTE_W + PTE_X     ; no PTE_U
    la r3, KERNEL_END
1:  stw r2, 0(r1)                   ; virtual page = physical page
    addi r1, r1, 4
    addi r2, r2, 0x1000
    cmp r2, r3
    bltu 1b
    la r1, L2_USER
    la r2, UCODE_FRAME + PTE_V + PTE_R + PTE_X + PTE_U
    stw r2, 0(r1)                   ; entry 0: virtual 0x400000
    la r2, USTACK_FRAME + PTE_V + PTE_R + PTE_W + PTE_U
    stw r2, 0x3ff * 4(r1)           ; entry 1023: virtual 0x7ff000
    la r1, L1
    la r2, L2_LOW + PTE_V
    stw r2, 0(r1)                   ; L1 entry 0: virtual 0 - 4 MiB
    la r2, L2_USER + PTE_V
    stw r2, 4(r1)                   ; L1 entry 1: virtual 4 - 8 MiB
    ret

; ---- traps from the user program ------------------------------------------
trap_entry:
    mtsr scratch, sp                ; park the user's sp, use the kernel's
    la sp, KSTACK
    push r2, r3, r4, r8, lr
    mfsr r8, cause
    cmpi r8, CAUSE_SYSCALL
    bne user_fault
    cmpi r7, SYS_WRITE              ; the only call: write(buf, len)
    bne 3f
    ; The buffer is a user *virtual* address.  The kernel runs on the same
    ; page tables, and kernel mode may use U pages, so it reads it as is.
    ; (A real kernel first checks that the buffer lies in user pages:
    ; guestos's uaccess_ok in guestos/kernel/vm.s.)
    mov r3, r1
    add r4, r1, r2
1:  cmp r3, r4
    bgeu 2f
    ldbu r8, 0(r3)
    out r8, 0x10(r0)
    addi r3, r3, 1
    b 1b
2:  mov r1, r2                      ; result: the length
    b 4f
3:  li r1, -2                       ; no such call
4:  pop lr, r8, r4, r3, r2
    mfsr sp, scratch
    rfe

; Any other trap: the user program did something it may not.  Report the
; cause, where (EPC) and which address (BADVADDR), then the stack page's
; entry: the hardware set A (32) and D (64) in it when the program pushed.
user_fault:
    la r1, msg_fault
    call puts
    mov r1, r8
    call putdec
    la r1, msg_at
    call puts
    mfsr r1, epc
    call puthex
    la r1, msg_addr
    call puts
    mfsr r1, badvaddr
    call puthex
    la r1, msg_pte
    call puts
    la r1, L2_USER
    ldw r1, 0x3ff * 4(r1)
    call puthex
    li r1, '\n'
    out r1, 0x10(r0)
    halt

msg_paging: .asciz "kernel: paging on; entering the user program at 0x00400000\n"
msg_fault:  .asciz "kernel: user trap, cause "
msg_at:     .asciz " (LOAD_FAULT is 8) at pc "
msg_addr:   .asciz ", address "
msg_pte:    .asciz "\nkernel: user stack page entry "
    .align 4
    .include "print.s"              ; puts, putdec, puthex

; ---- the user program -------------------------------------------------------
; Assembled at its virtual address: `.org` places this section at
; 0x400000, so its labels (msg_hello) are user virtual addresses.
    .data
    .org UCODE_VA
user_main:
    la r1, msg_hello                ; write(msg_hello, its length)
    li r2, msg_hello_end - msg_hello
    li r7, SYS_WRITE
    syscall
    li r1, 0x1234
    push r1                         ; a store into the stack page: D := 1
    ldw r1, 0x1000(r0)              ; the kernel's first word: U = 0, so
    halt                            ; a LOAD_FAULT; never gets here
msg_hello:
    .ascii "user: hello from virtual address 0x00400000\n"
msg_hello_end:
    .align 4
user_end:
