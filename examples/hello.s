; hello.s - the smallest complete T32 program: print a line and halt.
;
; Build and run it (from the top of the repository, after `make`):
;
;     build/bin/t32as -o build/hello.img examples/hello.s
;     build/bin/trapeze run --bare build/hello.img
;
; What the machine does with it (isa/ISA.md sections 5 and 10):
;   - t32as puts .text at 0x1000 and marks the label _start as the entry
;     point; the loader copies the bytes there and sets pc := _start.
;   - the CPU starts in kernel mode with interrupts off and paging off, so
;     every address is a physical address and every instruction is allowed;
;   - the console is an I/O port: `out rX, 0x10(r0)` writes the low byte of
;     rX to the console (port 0x10 is CON_DATA, ISA.md section 9);
;   - `halt` stops the CPU; `trapeze` then exits with status 0.
;
; Under the VMM (`trapeze run --mode trap`) the same image prints the same
; line: this program runs in real user mode there, and each `out` and the
; `halt` is a privileged instruction that traps into the VMM, which
; performs it on the virtual machine's console and returns.

    .text
_start:
    la r2, message          ; r2 := the address of the first byte
1:  ldbu r1, 0(r2)          ; r1 := the byte at r2 (zero-extended)
    bz r1, 2f               ; the NUL at the end: done
    out r1, 0x10(r0)        ; print it: port 0x10 is the console
    addi r2, r2, 1          ; next byte
    b 1b                    ; 1b = the nearest label `1:` backwards
2:  halt                    ; 2f above = the nearest label `2:` forwards

message:
    .asciz "hello, world\n" ; .asciz adds the terminating NUL byte
