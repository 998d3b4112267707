; loader.s - the user-program loader: from the disk's directory to
; processes ready to run.
;
; Sector 0 of the disk is a directory (built on the host by mkdisk.c; the
; layout is in memlayout.s and guestos/README.md): a header with the magic
; "T32D" and the number of programs, then one 32-byte entry per program
; giving its name, first sector, size on disk, size in memory and entry
; point.  Each program's bytes are a flat copy of its memory from
; USER_BASE on, as t32as assembled it.
;
; The disk is untrusted input like any other: every entry is checked before
; it is used, and a bad one is reported and skipped, never obeyed.

; load_programs(): read the directory and make one process per entry.
load_programs:
    push lr, r9, r10
    call dir_read
    bz r1, 1f
    call panic                  ; no directory: nothing to run (boot.s)
1:  la r9, DIRBUF
    ldw r10, DIR_COUNT(r9)      ; entries to go
    addi r9, r9, DIR_FIRST      ; the first entry
2:  bz r10, 3f
    mov r1, r9
    call load_program
    addi r9, r9, DE_SIZE
    subi r10, r10, 1
    b 2b
3:  pop r10, r9, lr
    ret

; dir_read(): read sector 0 into DIRBUF and check that it is a directory
; this kernel understands.  Returns r1 = 0, or a message saying why not.
dir_read:
    push lr
    li r1, 0                    ; sector 0, one sector, into DIRBUF
    li r2, 1
    la r3, DIRBUF
    call disk_read
    la r4, msg_nodisk
    bz r1, 1f
    la r4, msg_nodir
    la r3, DIRBUF
    ldw r1, 0(r3)               ; the magic
    la r2, DIR_MAGIC
    cmp r1, r2
    bne 1f
    ldw r1, 4(r3)               ; the version
    cmpi r1, DIR_VERSION
    bne 1f
    ldw r1, DIR_COUNT(r3)       ; at most DIR_MAXENT entries fit
    sltiu r1, r1, DIR_MAXENT + 1
    bz r1, 1f
    li r4, 0
1:  mov r1, r4
    pop lr
    ret

; load_program(entry): make a process from one directory entry, or explain
; on the console why not.
load_program:
    push lr, r9, r10
    mov r9, r1
    la r1, load_name            ; a printable copy of its name first
    mov r2, r9
    call name_copy
    mov r1, r9
    call dirent_check
    bnz r1, 2f
    call proc_alloc
    bnz r1, 1f
    la r1, msg_toomany
    b 2f
1:  mov r10, r1
    addi r1, r10, P_NAME
    la r2, load_name
    call name_copy
    mov r1, r10
    mov r2, r9
    call load_image
    bnz r1, 2f
    mov r1, r10
    ldw r2, DE_ENTRY(r9)
    call proc_start
    mov r1, r10
    ldw r2, DE_FILESZ(r9)
    call report_loaded
    b 3f
2:  call report_skipped         ; r1 = why
3:  pop r10, r9, lr
    ret

; report_loaded(p, bytes): "load: pid 1 (hello), 312 bytes"
report_loaded:
    push lr, r9, r10
    mov r9, r1
    mov r10, r2
    la r1, msg_load
    call kputs
    mov r1, r9
    call kput_proc
    la r1, msg_comma
    call kputs
    mov r1, r10
    call kputdec
    la r1, msg_bytes
    call kputs
    pop r10, r9, lr
    ret

; report_skipped(why): "load: hello: <why>", for the entry in load_name.
report_skipped:
    push lr, r9
    mov r9, r1
    la r1, msg_load
    call kputs
    la r1, load_name
    call kputs
    la r1, msg_colon
    call kputs
    mov r1, r9
    call kputs
    li r1, '\n'
    call kputc
    pop r9, lr
    ret

; dirent_check(entry): r1 = 0 if the entry describes a program we can
; load, else a message saying what is wrong with it.
dirent_check:
    la r6, msg_badentry
    ldw r2, DE_MEMSZ(r1)
    bz r2, 1f                   ; empty
    la r3, USER_MAX_BYTES
    cmp r2, r3
    bgtu 1f                     ; too big for the user space
    ldw r3, DE_FILESZ(r1)
    cmp r3, r2
    bgtu 1f                     ; more on disk than in memory
    ldw r3, DE_ENTRY(r1)
    andi r4, r3, 3
    bnz r4, 1f                  ; entry point not an instruction address
    la r4, USER_BASE
    cmp r3, r4
    bltu 1f                     ; entry point outside the program
    add r4, r4, r2
    cmp r3, r4
    bgeu 1f
    li r6, 0
1:  mov r1, r6
    ret

; load_image(p, entry): give process p its address space: the program's
; pages at USER_BASE, filled from the disk, and one stack page.  Returns
; r1 = 0, or a message.
load_image:
    push lr, r9, r10, r11, r12
    mov r9, r1
    mov r10, r2
    call uvm_create
    bz r1, 8f
    mov r11, r1                 ; r11 = the page directory
    ori r1, r11, PTBR_E
    stw r1, P_PTBR(r9)
    ldw r1, DE_MEMSZ(r10)       ; frames for the whole image
    addi r1, r1, PAGE_SIZE - 1
    shri r1, r1, PAGE_SHIFT
    call kalloc
    bz r1, 8f
    mov r12, r1                 ; r12 = physical address of the image
    ldw r2, DE_FILESZ(r10)      ; DMA the stored bytes straight in
    addi r2, r2, SECTOR_SIZE - 1
    shri r2, r2, SECTOR_SHIFT
    bz r2, 1f
    ldw r1, DE_SECTOR(r10)
    mov r3, r12
    call disk_read
    bz r1, 7f
1:  mov r1, r11                 ; map all of it at USER_BASE, user RWX
    la r2, USER_BASE
    mov r3, r12
    ldw r4, DE_MEMSZ(r10)
    li r5, PTE_R | PTE_W | PTE_X | PTE_U
    call uvm_map_range
    bz r1, 8f
    mov r1, r11                 ; and a stack
    call uvm_stack
    bz r1, 8f
    li r1, 0
    b 9f
7:  la r1, msg_ioerr
    b 9f
8:  la r1, msg_nomem
9:  pop r12, r11, r10, r9, lr
    ret

; name_copy(dst, src): copy a name of at most NAME_MAX - 1 bytes, ending
; it with NUL, and replace anything unprintable by '?'.
name_copy:
    li r3, NAME_MAX - 1
1:  ldbu r4, 0(r2)
    bz r4, 3f
    sltiu r5, r4, ' '
    bnz r5, 2f
    sltiu r5, r4, 0x7f
    bnz r5, 4f
2:  li r4, '?'
4:  stb r4, 0(r1)
    addi r1, r1, 1
    addi r2, r2, 1
    subi r3, r3, 1
    bnz r3, 1b
3:  stb r0, 0(r1)
    ret

    .data
msg_load:     .asciz "load: "
msg_comma:    .asciz ", "
msg_bytes:    .asciz " bytes\n"
msg_nodisk:   .asciz "cannot read sector 0 of the disk"
msg_nodir:    .asciz "no program directory on the disk"
msg_badentry: .asciz "bad directory entry, skipped"
msg_toomany:  .asciz "no free process slot, skipped"
msg_nomem:    .asciz "out of memory, skipped"
msg_ioerr:    .asciz "disk read error, skipped"
    .align 4

    .bss
load_name:  .space NAME_MAX
    .text
