; dma.s - disk DMA aimed outside the VM's RAM.
;
; The disk's DMA address is guest-physical.  Transfers that would touch
; memory past the end of this VM's RAM - straddling the end, starting at
; it, wrapping around 2^32 - must end in ERROR and move nothing, as on a
; bare T32 with this much RAM.  Both directions: a disk read would write
; another VM's memory, a disk write would leak it onto our disk.
    .text
_start:
    la sp, 0x3f000
    call install_handler
    li r1, 1
    out r1, PORT_DISK_CTRL(r0)   ; raise line 2 on completion (wfi wakes)
    in r6, PORT_MEMSIZE(r0)

    subi r1, r6, 256             ; straddles the end of RAM
    li r2, 1                     ; read
    la r3, name_straddle
    call transfer
    mov r1, r6                   ; just past the end
    li r2, 1
    la r3, name_end
    call transfer
    la r1, 0xfffffe00            ; wraps around 2^32
    li r2, 1
    la r3, name_wrap
    call transfer
    subi r1, r6, 256             ; a disk write from past the end
    li r2, 2
    la r3, name_write
    call transfer
    la r1, name
    call finish

; transfer(r1 = DMA address, r2 = command, r3 = name): one sector from
; sector 0; wait for completion with wfi; the status must be ERROR.
transfer:
    push lr, r3
    out r0, PORT_DISK_SECTOR(r0)
    out r1, PORT_DISK_ADDR(r0)
    li r1, 1
    out r1, PORT_DISK_COUNT(r0)
    out r2, PORT_DISK_CMD(r0)
    wfi                          ; interrupts off: just wait for line 2
    in r1, PORT_DISK_STATUS(r0)
    out r0, PORT_DISK_STATUS(r0) ; acknowledge
    li r2, DISK_ERROR
    pop r3, lr
    b check

name:           .asciz "dma"
name_straddle:  .asciz "DMA straddling the end of RAM fails"
name_end:       .asciz "DMA just past the end of RAM fails"
name_wrap:      .asciz "DMA wrapping around 2^32 fails"
name_write:     .asciz "disk write from past the end of RAM fails"
    .align 4
    .include "hostile.s"
