; ulib.s - the user-space library: system call wrappers and printing helpers.
; Every user program includes it at its end.  Functions follow the calling
; convention of ISA.md section 1 (arguments and result in r1.., r9..r13
; preserved).  A system call preserves every register except r1.

; ---- system call wrappers: number in r7, arguments in r1..r3, result in r1 --

; exit(status): end this process.  Does not return.
exit:
    li r7, SYS_EXIT
    syscall
    b exit

; write(buf, len): print len bytes.  Returns len, or E_FAULT.
write:
    li r7, SYS_WRITE
    syscall
    ret

; read(buf, len): read up to len bytes of input, stopping after a newline.
; Returns the count (0 at end of input), or E_FAULT.
read:
    li r7, SYS_READ
    syscall
    ret

; yield(): let the next process run.
yield:
    li r7, SYS_YIELD
    syscall
    ret

; getpid(): this process's id.
getpid:
    li r7, SYS_GETPID
    syscall
    ret

; sleep(ticks): wait that many timer ticks.
sleep:
    li r7, SYS_SLEEP
    syscall
    ret

; uptime(): timer ticks since boot.
uptime:
    li r7, SYS_UPTIME
    syscall
    ret

; ---- printing ------------------------------------------------------------

; strlen(s): bytes before the NUL.
strlen:
    mov r2, r1
1:  ldbu r3, 0(r2)
    bz r3, 2f
    addi r2, r2, 1
    b 1b
2:  sub r1, r2, r1
    ret

; puts(s): print a NUL-terminated string (no newline added).
puts:
    push lr, r9
    mov r9, r1
    call strlen
    mov r2, r1
    mov r1, r9
    call write
    pop r9, lr
    ret

; putc(c): print one byte.
putc:
    push lr
    subi sp, sp, 4
    stb r1, 0(sp)
    mov r1, sp
    li r2, 1
    call write
    addi sp, sp, 4
    pop lr
    ret

; putdec(n): print n as a signed decimal number.  Digits are produced
; lowest first, so they are stored backwards into a small stack buffer.
putdec:
    push lr, r9, r10, r11
    subi sp, sp, 12
    addi r9, sp, 12             ; r9 walks backwards from the buffer's end
    mov r10, r1
    cmpi r10, 0
    bge 1f
    neg r10, r10                ; print the magnitude, then the sign
1:  li r11, 10
2:  remu r2, r10, r11
    addi r2, r2, '0'
    subi r9, r9, 1
    stb r2, 0(r9)
    divu r10, r10, r11
    bnz r10, 2b
    cmpi r1, 0
    bge 3f
    li r2, '-'
    subi r9, r9, 1
    stb r2, 0(r9)
3:  mov r1, r9
    addi r2, sp, 12
    sub r2, r2, r9
    call write
    addi sp, sp, 12
    pop r11, r10, r9, lr
    ret
