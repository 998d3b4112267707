; wild_stores.s - loads and stores all over the physical address space.
;
; Paging is off, so a guest address is a guest-physical address.  Every
; word from the end of this VM's RAM to the top of the 32-bit space (in 64
; KiB steps) is read and written with a pattern.  On bare T32 with this
; much RAM each access is a BUS_ERROR; in a VM the same must hold - in
; particular the other VMs' RAM and the VMM's memory, which sit right above
; this VM in host-physical memory, must stay out of reach.
    .text
_start:
    la sp, 0x3f000
    call install_handler
    in r6, PORT_MEMSIZE(r0)
    mov r2, r6                   ; first address past our RAM
    la r3, 0x5a5a5a5a
    lui r5, 1                    ; step: 64 KiB
1:  stw r3, 0(r2)
    ldw r4, 0(r2)
    sth r3, 2(r2)
    ldbu r4, 1(r2)
    add r2, r2, r5
    bnz r2, 1b
    ; Expected: 4 bus errors per step, (2^32 - memsize) / 64 KiB steps.
    sub r7, r0, r6
    shri r7, r7, 16
    shli r7, r7, 2
    li r1, CAUSE_BUS
    mov r2, r7
    la r3, name_bus
    call check_traps
    ; Our own RAM still works.
    la r3, 0x1234abcd
    la r4, 0x20000
    stw r3, 0(r4)
    ldw r1, 0(r4)
    mov r2, r3
    la r3, name_own
    call check
    la r1, name
    call finish

name:      .asciz "wild_stores"
name_bus:  .asciz "every access past our RAM is a bus error"
name_own:  .asciz "our own RAM works"
    .align 4
    .include "hostile.s"
