; fault.s - a process that does something forbidden.  The kernel must kill
; it with one line naming the process, the cause and the pc, while every
; other process carries on.  KIND (t32as -D KIND=n, see build.mk) chooses
; the crime; each is a different trap cause of ISA.md section 6:
;
;   1 fault-null     load from address 0          load-fault  (page 0: U = 0)
;   2 fault-kernel   store into the kernel        store-fault (U = 0)
;   3 fault-priv     cli in user mode             privileged
;   4 fault-div      divide by zero               divzero
;   5 fault-illegal  an undefined opcode          illegal
;   6 fault-align    misaligned load              misaligned
;   7 fault-jump     jump into unmapped memory    fetch-fault

    .ifndef KIND
    .equ KIND, 1
    .endif

    .include "abi.s"
    .text
    .org USER_BASE
_start:
    la r1, msg_try
    call puts
    li r1, 7
    li r2, 0
    .if KIND == 1
    ldw r1, 0(r0)
    .endif
    .if KIND == 2
    la r2, 0x00001000
    stw r1, 0(r2)
    .endif
    .if KIND == 3
    cli
    .endif
    .if KIND == 4
    div r1, r1, r2
    .endif
    .if KIND == 5
    .word 0xff000000            ; opcode 0xff is not an instruction
    .endif
    .if KIND == 6
    la r2, USER_BASE + 2
    ldw r1, 0(r2)
    .endif
    .if KIND == 7
    la r2, 0x00600000
    jalr lr, r2, 0
    .endif
    la r1, msg_alive            ; never printed: the kernel killed us
    call puts
    li r1, 1
    call exit

    .if KIND == 1
msg_try:   .asciz "fault-null: loading from address 0\n"
    .endif
    .if KIND == 2
msg_try:   .asciz "fault-kernel: storing into kernel memory\n"
    .endif
    .if KIND == 3
msg_try:   .asciz "fault-priv: executing cli in user mode\n"
    .endif
    .if KIND == 4
msg_try:   .asciz "fault-div: dividing by zero\n"
    .endif
    .if KIND == 5
msg_try:   .asciz "fault-illegal: executing opcode 0xff\n"
    .endif
    .if KIND == 6
msg_try:   .asciz "fault-align: loading a word from an odd address\n"
    .endif
    .if KIND == 7
msg_try:   .asciz "fault-jump: jumping to unmapped memory\n"
    .endif
msg_alive: .asciz "fault: still alive, the kernel did not stop me\n"
    .align 4
    .include "ulib.s"
