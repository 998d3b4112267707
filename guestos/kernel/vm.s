; vm.s - paging: the kernel's map, one address space per process, page
; frames, and checking user pointers.
;
; T32 translates every address through a two-level table (ISA.md
; section 8) once PTBR.E = 1:
;
;   virtual address  | L1 index (31:22) | L2 index (21:12) | offset (11:0) |
;
;   PTBR --> page directory (L1, 1024 entries: frame of an L2 table | V)
;              --> page table (L2, 1024 entries: frame | D A U X W R V)
;                    --> the 4 KiB page
;
; The kernel window.  L1 entry 0 covers virtual 0 .. 4 MiB.  It points at
; KPT0, which maps that range one-to-one onto physical 0 .. 4 MiB with
; U = 0.  Every page directory shares KPT0, so wherever a trap happens the
; kernel's code, data, stacks and page tables are there at the addresses
; it was assembled for, and user mode cannot touch any of it (U = 0 makes
; a user access fault).  Physical = virtual inside the window is what lets
; the kernel write page tables and aim disk DMA (which uses physical
; addresses) with plain pointers.
;
; User memory.  L1 entry 1 (virtual 4 .. 8 MiB) points at a page table of
; the process's own, mapping its program at USER_BASE and its stack below
; USER_STACK_TOP with U = 1.
;
; The TLB is not coherent with these tables: the kernel only builds a
; process's tables before the process first runs, and sched loads PTBR
; (which flushes the TLB) on every switch.

; vm_init(): map the kernel window and turn paging on.  (boot.s has
; checked that RAM covers the whole window.)
vm_init:
    push lr
    ; KPT0[i] := (i << 12) | V R W X, for every page of the window but
    ; page 0, which stays unmapped so that a null pointer faults even in
    ; the kernel.
    la r1, KPT0
    stw r0, 0(r1)
    addi r1, r1, 4
    li r2, PAGE_SIZE            ; physical address of page i
    la r3, KERNEL_WINDOW
1:  ori r4, r2, PTE_V | PTE_R | PTE_W | PTE_X
    stw r4, 0(r1)
    addi r1, r1, 4
    addi r2, r2, PAGE_SIZE
    cmp r2, r3
    bltu 1b
    la r1, KPGDIR
    call page_zero
    la r1, KPGDIR
    la r2, KPT0 | PTE_V
    pte_set r1, r2              ; L1 entry 0: the window
    ori r1, r1, PTBR_E
    set_ptbr r1                 ; paging is on from the next instruction
    pop lr
    ret

; page_zero(pa): fill the 4 KiB page at pa with zeros, four words per
; turn of the loop.  Returns r1 = pa + PAGE_SIZE.
page_zero:
    la r2, PAGE_SIZE
    add r2, r2, r1
1:  stw r0, 0(r1)
    stw r0, 4(r1)
    stw r0, 8(r1)
    stw r0, 12(r1)
    addi r1, r1, 16
    cmp r1, r2
    bltu 1b
    ret

; kalloc(n): n physically contiguous, zeroed page frames (contiguous so
; that one disk transfer can fill a whole program).  Returns r1 = the
; physical address of the first, or 0 if memory has run out.  Frames are
; never given back: processes do not outlive the run.
kalloc:
    push lr, r9, r10
    ldw r9, next_frame(r0)
    shli r2, r1, PAGE_SHIFT
    add r10, r9, r2             ; first frame after the run
    la r3, FRAMES_END
    cmp r10, r3
    bgtu 2f
    cmp r10, r9                 ; n so large that the sum wrapped
    bltu 2f
    stw r10, next_frame(r0)
    mov r1, r9
1:  cmp r1, r10
    bgeu 3f
    call page_zero              ; leaves r1 at the next page
    b 1b
2:  li r9, 0
3:  mov r1, r9
    pop r10, r9, lr
    ret

; uvm_create(): a new address space holding only the kernel window.
; Returns r1 = its page directory (physical), or 0 if memory ran out.
uvm_create:
    push lr
    li r1, 1
    call kalloc
    bz r1, 1f
    la r2, KPT0 | PTE_V
    pte_set r1, r2              ; share the kernel window
1:  pop lr
    ret

; uvm_map(pgdir, va, pa, perm): map the page at va to the frame at pa,
; with the PTE bits in perm (V is added).  Makes the page table on first
; use.  Returns r1 = 1, or 0 if memory ran out.
uvm_map:
    push lr, r9, r10, r11, r12
    mov r10, r2                 ; va
    or r11, r3, r4              ; the new PTE, but for V
    ori r11, r11, PTE_V
    shri r2, r10, 22            ; L1 index
    shli r2, r2, 2
    add r9, r1, r2              ; &pgdir[L1 index]
    ldw r12, 0(r9)
    andi r2, r12, PTE_V
    bnz r2, 1f
    li r1, 1                    ; no page table there yet: make one
    call kalloc
    bz r1, 2f
    ori r12, r1, PTE_V
    pte_set r9, r12
1:  shri r12, r12, PAGE_SHIFT   ; frame of the page table
    shli r12, r12, PAGE_SHIFT
    shri r2, r10, PAGE_SHIFT    ; L2 index
    andi r2, r2, 0x3ff
    shli r2, r2, 2
    add r12, r12, r2
    pte_set r12, r11            ; the PTE
    li r1, 1
2:  pop r12, r11, r10, r9, lr
    ret

; uvm_map_range(pgdir, va, pa, len, perm): map the len bytes at va, whole
; pages, onto the physically contiguous frames from pa on.  Returns
; r1 = 1, or 0 if memory ran out.
uvm_map_range:
    push lr, r9, r10, r11, r12, r13
    mov r9, r1
    mov r10, r2                 ; next virtual page
    mov r11, r3                 ; next frame
    add r12, r3, r4             ; end of the frames
    mov r13, r5
1:  mov r1, r9
    mov r2, r10
    mov r3, r11
    mov r4, r13
    call uvm_map
    bz r1, 2f
    la r1, PAGE_SIZE
    add r10, r10, r1
    add r11, r11, r1
    cmp r11, r12
    bltu 1b
    li r1, 1
2:  pop r13, r12, r11, r10, r9, lr
    ret

; uvm_stack(pgdir): give an address space its user stack: one zeroed page
; just below USER_STACK_TOP, user R W but not X.  Returns r1 = 1, or 0 if
; memory ran out.
uvm_stack:
    push lr, r9
    mov r9, r1
    li r1, 1
    call kalloc
    bz r1, 1f
    mov r3, r1
    mov r1, r9
    la r2, USER_STACK_TOP - PAGE_SIZE
    li r4, PTE_R | PTE_W | PTE_U
    call uvm_map
1:  pop r9, lr
    ret

; uvm_walk(pgdir, va): do in software what the MMU does in hardware.
; Returns r1 = the L2 entry for va, or 0 if there is none.
uvm_walk:
    shri r3, r2, 22
    shli r3, r3, 2
    add r3, r3, r1
    ldw r3, 0(r3)               ; L1 entry
    andi r4, r3, PTE_V
    bz r4, 1f
    shri r3, r3, PAGE_SHIFT
    shli r3, r3, PAGE_SHIFT
    shri r4, r2, PAGE_SHIFT
    andi r4, r4, 0x3ff
    shli r4, r4, 2
    add r3, r3, r4
    ldw r1, 0(r3)               ; L2 entry
    ret
1:  li r1, 0
    ret

; uaccess_ok(va, len, perm): may the current process let the kernel use
; va .. va+len-1 on its behalf?  perm is PTE_R (the kernel will read, as
; in write()) or PTE_W (it will write, as in read()).  Every page of the
; range must be a user page (U) with that permission, so a buffer in the
; kernel window, in a hole, or wrapping past 2^32 is refused.  Returns
; r1 = 1 if so, else 0.  Called with interrupts on: nothing unmaps user
; memory while its process lives.
uaccess_ok:
    push lr, r9, r10, r11, r12
    bz r2, 3f                   ; an empty buffer is always fine
    subi r2, r2, 1
    add r10, r1, r2             ; r10 = the last byte
    cmp r10, r1
    bltu 4f                     ; the range wraps around
    shri r9, r1, PAGE_SHIFT     ; r9 = the first page
    shli r9, r9, PAGE_SHIFT
    ori r11, r3, PTE_V | PTE_U  ; the bits every page needs
    ldw r12, current(r0)
    ldw r12, P_PTBR(r12)
    shri r12, r12, PAGE_SHIFT   ; the page directory
    shli r12, r12, PAGE_SHIFT
1:  mov r1, r12
    mov r2, r9
    call uvm_walk
    and r1, r1, r11
    cmp r1, r11
    bne 4f
    la r1, PAGE_SIZE
    add r9, r9, r1
    cmp r9, r10
    bleu 1b                     ; until the page holding the last byte
3:  li r1, 1
    b 5f
4:  li r1, 0
5:  pop r12, r11, r10, r9, lr
    ret

    .data
next_frame: .word FRAMES        ; kalloc's next free frame
    .text
