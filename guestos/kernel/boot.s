; boot.s - where the kernel starts: from reset to the first process.
;
; The CPU comes out of reset in kernel mode with interrupts off, paging
; off and the pc at the image's entry point, _start (ISA.md section 10).
; Nothing is set up: no stack, no trap vector, no page tables.  Boot does,
; in order:
;
;   0. only CPU 0 goes on (the others halt), and only if RAM holds the
;      whole memory map (memlayout.s);
;   1. a stack, so that we can call functions;
;   2. TVEC, so that a trap lands in trap_entry instead of at address 0;
;   3. the mode check: what does pushf say about the K bit?
;   4. the kernel's page table, and paging on (vm.s);
;   5. the user programs from the disk, one process each (loader.s);
;   6. the timer, which from now on preempts processes every tick;
;   7. the first process: sched picks it, and we "return" into it through
;      the trap frame proc_start prepared, exactly as after any trap.

_start:
    mfsr r1, cpuid              ; every CPU starts here; guestos runs on
    bnz r1, park                ; CPU 0 only
    in r1, PORT_MEMSIZE(r0)     ; is there RAM for the memory map
    la r2, KERNEL_WINDOW        ; (memlayout.s), stack included?
    cmp r1, r2
    bltu too_small
    la sp, BOOT_STACK_TOP
    pv_register                 ; PARAVIRT: share a page with the VMM
    la r1, trap_entry
    set_tvec r1
    la r1, msg_boot
    call kputs
    call mode_check
    call vm_init
    la r1, msg_paging
    call kputs
    call load_programs
    li r1, TICK_CYCLES
    set_timer r1                ; line 0 pending every TICK_CYCLES cycles
    call sched                  ; r1 = the first process's trap frame
    mov sp, r1
    b trap_return               ; (IE is still 0 here, as it must be)

; park: any CPU but CPU 0 stops for good.  guestos is a uniprocessor
; kernel: a second CPU running the same boot code would build the same
; tables and run the same processes at the same time.
park:
    cpu_halt

; too_small: the machine has less RAM than the kernel's window, so even
; the boot stack may not exist.  Print the reason without calling anything
; (a call would push onto that stack) and stop.
too_small:
    la r2, msg_too_small
1:  ldbu r1, 0(r2)
    bz r1, 2f
    out r1, PORT_CON_DATA(r0)
    addi r2, r2, 1
    b 1b
2:  cpu_halt

; mode_check(): print the mode the kernel believes it runs in.
;
; pushf stores the whole PSR, including the real K bit, and it does not
; trap in user mode.  On bare T32 the kernel runs in kernel mode and sees
; K = 1.  A VMM that runs this kernel deprivileged (in user mode) and
; emulates only the instructions that trap cannot hide the truth from
; pushf: there the line says "user".  (Trapeze's trap-and-emulate mode
; shows exactly that; binary translation and hardware assist fix it.
; The paravirtual kernel asks no instruction: it reads the PSR the VMM
; keeps for it in the shared page, whose K says what it is to its VMM.)
mode_check:
    push lr
    mode_psr r1                 ; pvops.s: pushf; pop r1 - or the page
    andi r1, r1, PSR_K
    la r2, msg_kernel
    bnz r1, 1f
    la r2, msg_user
1:  la r1, msg_mode
    call kputs
    mov r1, r2
    call kputs
    pop lr
    ret

; panic(message): something the kernel cannot live with.  Say so and stop.
panic:
    mov r9, r1
    call con_fresh_line
    la r1, msg_panic
    call kputs
    mov r1, r9
    call kputs
    li r1, '\n'
    call kputc
    cpu_halt

    .data
msg_boot:       .asciz "guestos: booting\n"
msg_mode:       .asciz "mode check: "
msg_kernel:     .asciz "kernel\n"
msg_user:       .asciz "user\n"
msg_paging:     .asciz "guestos: paging on, 4 MiB kernel window\n"
msg_too_small:  .asciz "panic: guestos needs at least 4 MiB of RAM\n"
msg_panic:      .asciz "panic: "
    .align 4
    .text
