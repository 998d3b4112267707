; disk.s - the disk driver: read sectors into memory by DMA.
;
; The disk (ISA.md section 9) copies whole 512-byte sectors straight into
; *physical* memory (direct memory access): the driver tells it where
; (DISK_SECTOR, DISK_ADDR, DISK_COUNT), starts it (DISK_CMD), and the
; transfer completes by itself 200 + 50 * count cycles later, leaving
; DISK_STATUS = DONE (or ERROR if the sectors or the memory range do not
; exist).  Writing DISK_STATUS acknowledges the result.
;
; This driver *polls*: it reads DISK_STATUS until the transfer is no longer
; BUSY.  The kernel reads the disk only at boot, before any process runs,
; so there is nobody else to give the CPU to while waiting; the disk's
; completion interrupt (line 2) stays disabled.

; disk_read(sector, count, pa): read count sectors starting at sector into
; physical memory at pa.  Returns r1 = 1 on success, 0 on error.
disk_read:
    out r1, PORT_DISK_SECTOR(r0)
    out r2, PORT_DISK_COUNT(r0)
    out r3, PORT_DISK_ADDR(r0)
    li r1, DISK_CMD_READ
    out r1, PORT_DISK_CMD(r0)   ; go
1:  in r1, PORT_DISK_STATUS(r0)
    cmpi r1, DISK_BUSY
    beq 1b                      ; still copying
    out r0, PORT_DISK_STATUS(r0) ; acknowledge: back to IDLE
    xori r1, r1, DISK_DONE      ; r1 = 0 exactly when it went well
    sltiu r1, r1, 1
    ret
