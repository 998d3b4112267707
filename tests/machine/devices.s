; devices.s - a guest that checks the T32 devices itself (ISA.md section 9).
;
; Each check prints "PASS name" or "FAIL name"; the last line counts the
; failures.  devices.sh runs it on bare T32 and under the VMM: both runs
; must pass every check, and print the same transcript byte for byte.
;
; It expects console input to be empty (</dev/null) and a 4-sector disk
; whose sector s is filled with the byte 0x11 * (s + 1).

        .equ    MEMSIZE, 0x00
        .equ    NCPUS, 0x01
        .equ    CON_DATA, 0x10
        .equ    CON_STATUS, 0x11
        .equ    SECTOR, 0x20
        .equ    ADDR, 0x21
        .equ    COUNT, 0x22
        .equ    CMD, 0x23
        .equ    STATUS, 0x24
        .equ    CTRL, 0x25
        .equ    SIZE, 0x26
        .equ    BUSY, 1
        .equ    DONE, 2
        .equ    ERROR, 3
        .equ    NOWHERE, 0x55           ; no device answers here

; expect REG, VALUE, NAME: print PASS NAME if REG = VALUE, else FAIL NAME.
        .macro  expect reg, want, name
        li      r8, \want
        cmp     \reg, r8
        la      r1, \name               ; lui + ori: the flags stay
        bne     1f
        call    pass
        b       2f
1:      call    fail
2:
        .endm

        .text
_start: la      sp, stack_top
        la      r1, handler
        mtsr    tvec, r1

; ---- machine ports -------------------------------------------------------------
        in      r2, MEMSIZE
        andi    r3, r2, 0xfff           ; whole pages ...
        sltu    r4, r0, r2              ; ... and not zero
        add     r3, r3, r4
        expect  r3, 1, n_memsize
        in      r3, NCPUS
        expect  r3, 1, n_ncpus
        in      r3, NOWHERE
        expect  r3, 0xffffffff, n_noport

; ---- console: input is empty, so it has ended -------------------------------------
        in      r3, CON_STATUS
        expect  r3, 2, n_rxeof
        in      r3, CON_DATA
        expect  r3, 0xffffffff, n_nodata

; ---- disk: a read, timed by polling ----------------------------------------------------
        in      r3, SIZE
        expect  r3, 4, n_size
        li      r1, 2                   ; sector 2 -> buf
        la      r2, buf
        li      r3, 1
        call    setup
        li      r4, 1
        mfsr    r5, cycles
        out     r4, CMD
1:      in      r6, STATUS              ; 3 cycles per poll
        cmpi    r6, BUSY
        beq     1b
        mfsr    r7, cycles
        sub     r7, r7, r5              ; out + 250 cycles of transfer, then
        expect  r7, 254, n_latency      ; the poll that sees DONE, cmpi, beq
        expect  r6, DONE, n_read_done
        la      r2, buf
        ldbu    r3, 511(r2)
        expect  r3, 0x33, n_read_data
        out     r0, STATUS              ; acknowledge
        in      r3, STATUS
        expect  r3, 0, n_ack

; ---- impossible transfers end in ERROR and move nothing ----------------------------------
        li      r1, 0                   ; zero count
        la      r2, buf
        li      r3, 0
        call    transfer
        expect  r1, ERROR, n_zero
        li      r1, 3                   ; sectors 3 and 4 of 0..3
        la      r2, buf
        li      r3, 2
        call    transfer
        expect  r1, ERROR, n_past_disk
        in      r2, MEMSIZE             ; straddles the end of RAM
        subi    r2, r2, 256
        li      r1, 0
        li      r3, 1
        call    transfer
        expect  r1, ERROR, n_past_ram
        li      r1, 0                   ; 0xfffffe00 + 1024 wraps to 0x200
        la      r2, 0xfffffe00
        li      r3, 2
        call    transfer
        expect  r1, ERROR, n_wrap
        la      r2, buf
        ldbu    r3, 0(r2)
        expect  r3, 0x33, n_untouched

; ---- a write, read back; devices.sh checks the image file too ---------------------------
        la      r2, buf
        li      r3, 0x5a
        li      r4, 512
1:      stb     r3, 0(r2)
        addi    r2, r2, 1
        subi    r4, r4, 1
        bnez    r4, 1b
        li      r1, 0                   ; buf -> sector 0
        la      r2, buf
        li      r3, 1
        li      r4, 2
        call    start
        call    wait
        li      r1, 0                   ; sector 0 -> buf2
        la      r2, buf2
        li      r3, 1
        call    transfer
        la      r2, buf2
        ldbu    r3, 100(r2)
        expect  r3, 0x5a, n_write

; ---- completion interrupt; CMD while BUSY is ignored -----------------------------------
        li      r1, 1
        out     r1, CTRL
        li      r1, 1                   ; sector 1 -> buf
        la      r2, buf
        li      r3, 1
        li      r4, 1
        call    start
        li      r1, 3
        out     r1, SECTOR              ; ignored: busy
        li      r1, 2
        out     r1, CMD                 ; ignored: busy
        li      r10, 0
        sti
        wfi                             ; the interrupt wakes us
        cli
        expect  r10, 18, n_irq          ; cause IRQ_DISK
        expect  r11, DONE, n_irq_status
        in      r3, SECTOR
        expect  r3, 1, n_busy_locked
        la      r2, buf
        ldbu    r3, 0(r2)
        expect  r3, 0x22, n_busy_data

; ---- summary --------------------------------------------------------------------------------
        la      r1, n_summary
        call    puts
        la      r1, failures
        ldw     r1, 0(r1)
        addi    r1, r1, '0'
        out     r1, CON_DATA
        li      r1, '\n'
        out     r1, CON_DATA
        halt

; The disk interrupt: note the cause and the status, acknowledge, return.
handler:
        mfsr    r10, cause
        in      r11, STATUS
        out     r0, STATUS
        rfe

; setup(r1 = sector, r2 = address, r3 = count): program the registers.
setup:  out     r1, SECTOR
        out     r2, ADDR
        out     r3, COUNT
        ret

; start(r1, r2, r3 as setup, r4 = command).
start:  push    lr
        call    setup
        out     r4, CMD
        pop     lr
        ret

; wait: poll until the transfer ends; r1 = the status; acknowledge.
wait:   in      r1, STATUS
        cmpi    r1, BUSY
        beq     wait
        out     r0, STATUS
        ret

; transfer(r1, r2, r3 as setup): a read, waited for; r1 = the status.
transfer:
        push    lr
        li      r4, 1
        call    start
        call    wait
        pop     lr
        ret

; pass/fail(r1 = name): print "PASS name" / "FAIL name" (and count it).
pass:   push    lr, r1
        la      r1, t_pass
        b       1f
fail:   push    lr, r1
        la      r2, failures
        ldw     r3, 0(r2)
        addi    r3, r3, 1
        stw     r3, 0(r2)
        la      r1, t_fail
1:      call    puts
        pop     r1
        call    puts
        li      r1, '\n'
        out     r1, CON_DATA
        pop     lr
        ret

; puts(r1 = string): print it (clobbers r1, r2).
puts:   ldbu    r2, 0(r1)
        bz      r2, 1f
        out     r2, CON_DATA
        addi    r1, r1, 1
        b       puts
1:      ret

        .data
t_pass:         .asciz  "PASS "
t_fail:         .asciz  "FAIL "
n_memsize:      .asciz  "memsize is whole pages"
n_ncpus:        .asciz  "one cpu"
n_noport:       .asciz  "a missing port reads all ones"
n_rxeof:        .asciz  "console: input has ended"
n_nodata:       .asciz  "console: no byte to read"
n_size:         .asciz  "disk: 4 sectors"
n_latency:      .asciz  "disk: 200 + 50 x count cycles"
n_read_done:    .asciz  "disk: read done"
n_read_data:    .asciz  "disk: read data"
n_ack:          .asciz  "disk: acknowledge"
n_zero:         .asciz  "disk: zero count is an error"
n_past_disk:    .asciz  "disk: sectors past the end are an error"
n_past_ram:     .asciz  "disk: memory past the end of RAM is an error"
n_wrap:         .asciz  "disk: an address that wraps is an error"
n_untouched:    .asciz  "disk: errors move nothing"
n_write:        .asciz  "disk: write, read back"
n_irq:          .asciz  "disk: completion interrupt"
n_irq_status:   .asciz  "disk: done in the handler"
n_busy_locked:  .asciz  "disk: registers locked while busy"
n_busy_data:    .asciz  "disk: cmd while busy ignored"
n_summary:      .asciz  "devices: failures "
        .align  4
failures:       .word   0
buf:            .space  512
buf2:           .space  512
stack:          .space  1024
stack_top:
