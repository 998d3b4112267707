; shell.s - an interactive echo shell.  It reads lines until the end of
; input and answers each one:
;
;   exit      say bye and exit
;   pid       print this process's id
;   uptime    print the ticks since boot
;   anything else is echoed back in upper case.
;
; A line longer than LINE (80) bytes is cut there: the rest is dropped.
; The prompt "> " has no newline: the kernel's line buffer holds it until
; read() flushes it, so it appears before the shell waits for input.

    .equ LINE, 80

    .include "abi.s"
    .text
    .org USER_BASE
_start:
next_line:
    la r1, prompt
    call puts
    la r1, line                 ; read() returns at a newline, so this is
    li r2, LINE                 ; one line, or the first LINE bytes of a
    call read                   ; longer one
    bz r1, end_of_input         ; 0 bytes: the input has ended
    la r9, line
    add r10, r9, r1             ; r10 = end of the line
    ldbu r2, -1(r10)
    cmpi r2, '\n'
    bne 1f
    subi r10, r10, 1            ; without its newline
    b 3f
1:  cmpi r1, LINE               ; LINE bytes and no newline: a longer line,
    bltu 3f                     ; whose rest is read and dropped - it is no
2:  la r1, rest                 ; command of its own
    li r2, LINE
    call read
    bz r1, 3f                   ; (the input ended inside it)
    la r2, rest
    add r2, r2, r1
    ldbu r2, -1(r2)
    cmpi r2, '\n'
    bne 2b
3:  stb r0, 0(r10)              ; a NUL, so streq can compare it
    mov r1, r9                  ; which command is it?
    la r2, cmd_exit
    call streq
    bnz r1, do_exit
    mov r1, r9
    la r2, cmd_pid
    call streq
    bnz r1, do_pid
    mov r1, r9
    la r2, cmd_uptime
    call streq
    bnz r1, do_uptime
upcase:                         ; anything else: echo it in upper case
    cmp r9, r10
    bgeu 2f
    ldbu r2, 0(r9)
    sltiu r3, r2, 'a'           ; a lower-case letter is 'a' <= c <= 'z';
    bnz r3, 1f                  ; (unsigned compares, one bound each)
    sltiu r3, r2, 'z' + 1
    bz r3, 1f
    subi r2, r2, 'a' - 'A'      ; ASCII: upper case is 32 below
    stb r2, 0(r9)
1:  addi r9, r9, 1
    b upcase
2:  la r1, line
    sub r2, r10, r1
    call write
    li r1, '\n'
    call putc
    b next_line
do_pid:
    call getpid
    b print_number
do_uptime:
    call uptime
print_number:
    call putdec
    li r1, '\n'
    call putc
    b next_line
do_exit:
    la r1, msg_bye
    call puts
    li r1, 0
    call exit
end_of_input:
    la r1, msg_eof
    call puts
    li r1, 0
    call exit

; streq(a, b): 1 if the NUL-terminated strings are equal, else 0.  Walks
; both until they differ or both end.
streq:
1:  ldbu r3, 0(r1)
    ldbu r4, 0(r2)
    cmp r3, r4
    bne 2f
    bz r3, 3f
    addi r1, r1, 1
    addi r2, r2, 1
    b 1b
2:  li r1, 0
    ret
3:  li r1, 1
    ret

prompt:     .asciz "> "
cmd_exit:   .asciz "exit"
cmd_pid:    .asciz "pid"
cmd_uptime: .asciz "uptime"
msg_bye:    .asciz "bye\n"
msg_eof:    .asciz "\nshell: end of input\n"
    .align 4
line:       .space LINE + 1
    .align 4
rest:       .space LINE             ; the rest of a line longer than LINE
    .align 4
    .include "ulib.s"
