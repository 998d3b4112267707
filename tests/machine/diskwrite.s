; diskwrite.s - write eight sectors (4 KiB) at sector 0 of the disk, wait
; for the transfer, print its status as a digit ('2': done) and halt.
; For disk_errors.sh: the write goes through to the disk image file.

    .text
_start:
    out r0, 0x20(r0)        ; SECTOR := 0
    la r1, buf
    out r1, 0x21(r0)        ; ADDR := buf
    li r1, 8
    out r1, 0x22(r0)        ; COUNT := 8 sectors
    li r1, 2
    out r1, 0x23(r0)        ; CMD := write
1:  in r1, 0x24(r0)         ; STATUS: 1 while busy
    cmpi r1, 1
    beq 1b
    addi r1, r1, 48         ; as a digit
    out r1, 0x10(r0)
    li r1, 10
    out r1, 0x10(r0)
    halt

buf:
    .ascii "guest data"
    .space 4086
