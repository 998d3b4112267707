; console.s - the console driver: output, line buffers and input.
;
; The console device (ISA.md section 9) is as simple as hardware gets:
; `out` a byte to CON_DATA and it is printed; `in` CON_STATUS says whether
; an input byte is ready (RXREADY) or the input has ended (RXEOF), and `in`
; CON_DATA takes the next byte.  Input is deterministic: when the guest
; asks and nothing is queued, the machine waits for the host without
; letting guest time pass, so polling here never spins.
;
; Each process has a line buffer in its process slot (P_LINE).  write()
; collects bytes there and the line goes to the device in one piece when
; it ends (newline), when the buffer is full, when the process reads input
; (a prompt must show before we wait) and when it exits.  So two processes
; writing a character at a time still produce whole, unmixed lines.
;
; The device is shared by every process and by kernel messages, and the
; kernel remembers whether the output is at the start of a line
; (con_at_bol) so that its own messages can start on a fresh line.  Putting
; a byte out and updating con_at_bol is a critical section: con_putc holds
; interrupts off with pushf/cli ... popf, which works both from trap
; handlers (IE already 0) and from system calls (IE = 1).

; con_putc(c): put byte c on the console.  Clobbers only r1.
    .ifndef PARAVIRT
con_putc:
    pushf
    cli
    out r1, PORT_CON_DATA(r0)
    xori r1, r1, '\n'           ; r1 = 0 exactly when c was a newline
    sltiu r1, r1, 1
    stw r1, con_at_bol(r0)
    popf
    ret
    .else
; Paravirtual: the byte goes out with hcall CONSOLE, a one-byte buffer.
con_putc:
    push r2
    irq_save r2
    stb r1, con_byte(r0)
    xori r1, r1, '\n'           ; r1 = 0 exactly when c was a newline
    sltiu r1, r1, 1
    stw r1, con_at_bol(r0)
    la r1, con_byte
    li r2, 1
    hcall HC_CONSOLE
    irq_restore r2
    pop r2
    ret
    .endif

; con_fresh_line(): make sure the next output starts a line.
con_fresh_line:
    ldw r1, con_at_bol(r0)
    bnz r1, 1f
    li r1, '\n'
    b con_putc                  ; tail call
1:  ret

; con_uputc(c): a byte written by the current process: append it to the
; process's line buffer, and send the line out if it is complete.
con_uputc:
    ldw r2, current(r0)
    ldw r3, P_LINELEN(r2)
    add r4, r2, r3
    stb r1, P_LINE(r4)
    addi r3, r3, 1
    stw r3, P_LINELEN(r2)
    cmpi r1, '\n'
    beq 1f
    cmpi r3, LINE_MAX
    bge 1f
    ret
1:  mov r1, r2
    b con_flush                 ; tail call

; con_flush(p): send process p's buffered bytes to the device and empty
; its buffer.  The whole line goes out inside one critical section, so
; nothing the kernel prints from an interrupt can land in its middle.
; Preserves r9 .. r13.
    .ifndef PARAVIRT
con_flush:
    push lr, r9, r10, r11
    mov r9, r1
    pushf
    cli
    ldw r10, P_LINELEN(r9)
    li r11, 0
1:  cmp r11, r10
    bge 2f
    add r1, r9, r11
    ldbu r1, P_LINE(r1)
    call con_putc
    addi r11, r11, 1
    b 1b
2:  stw r0, P_LINELEN(r9)
    popf
    pop r11, r10, r9, lr
    ret
    .else
; Paravirtual: the whole line is one hcall CONSOLE - one exit, where the
; native driver's `out` costs one per byte under trap-and-emulate.
con_flush:
    push r9
    mov r9, r1
    irq_save r2
    ldw r2, P_LINELEN(r9)
    bz r2, 1f
    addi r1, r9, P_LINE
    hcall HC_CONSOLE            ; r1 = the line, r2 = its length
    ldw r2, P_LINELEN(r9)
    add r1, r9, r2
    ldbu r1, P_LINE - 1(r1)     ; its last byte: a newline?
    xori r1, r1, '\n'
    sltiu r1, r1, 1
    stw r1, con_at_bol(r0)
1:  stw r0, P_LINELEN(r9)
    irq_restore r2
    pop r9
    ret
    .endif

; con_getc(): the next input byte, or -1 when the input has ended.
con_getc:
1:  in r1, PORT_CON_STATUS(r0)
    andi r2, r1, CON_RXREADY
    bnz r2, 2f
    andi r2, r1, CON_RXEOF
    bz r2, 1b                   ; neither: ask again
    li r1, -1
    ret
2:  in r1, PORT_CON_DATA(r0)
    ret

    .data
con_at_bol: .word 1             ; 1: the last byte out was a newline
    .ifdef PARAVIRT
con_byte:   .word 0             ; con_putc's one-byte buffer
    .endif
    .text
