; ports.s - in and out on every one of the 65536 ports.
;
; Ports that exist in a VM are the virtual devices; every other port must
; read all ones and ignore writes, as on bare T32.  Writing garbage to the
; devices that do exist must not hurt the VMM either.  (Output to the
; console port is skipped, so the transcript stays readable.)
    .text
_start:
    la sp, 0x3f000
    call install_handler
    li r2, 0                     ; port
    li r7, 0                     ; ports that read all ones
    la r3, 0x5a5a5a5a            ; what we write
    la r9, 0xffffffff
    la r8, 0x10000
1:  cmpi r2, PORT_CON_DATA
    beq 2f
    cmpi r2, 0x23                ; DISK_CMD: start nothing
    beq 2f
    out r3, 0(r2)
2:  in r4, 0(r2)
    cmp r4, r9
    bne 3f
    addi r7, r7, 1
3:  addi r2, r2, 1
    cmp r2, r8
    bltu 1b
    ; Every port reads all ones except ten: MEMSIZE, NCPUS, CON_STATUS,
    ; CON_CTRL and the disk's SECTOR, ADDR, COUNT (now 0x5a5a5a5a),
    ; STATUS, CTRL and SIZE.  (CON_DATA reads all ones at end of input,
    ; DISK_CMD is write-only.)
    mov r1, r7
    la r2, 65526
    la r3, name_ports
    call check
    la r1, name
    call finish

name:       .asciz "ports"
name_ports: .asciz "ports without a device read all ones"
    .align 4
    .include "hostile.s"
