; pages.s - kernel code on three pages, one of them rewritten while it
; runs.  Nothing here is sensitive: under --mode bt every page is scanned
; and found clean, so only the mapping decides (task 2) - which pages are
; scanned, when, and that a store into a scanned page is noticed and the
; page scanned again before it runs.
    .text
_start:
    la sp, 0x8000
    call one                     ; page 0x2000: scanned at its first fetch
    call show
    call two                     ; page 0x3000: the same
    call show
    call two                     ; already scanned: no second scan
    call show
    ldw r1, new_word(r0)
    stw r1, three(r0)            ; a store into a scanned page (0x3000)
    call two                     ; scanned again, and runs the new word
    call show
    halt

new_word:
    li r1, 0x33                  ; what `three` becomes

    .include "show.s"             ; show(r1): hex and a newline

    .org 0x2000
one:
    li r1, 0x11
    ret

    .org 0x3000
two:
    li r1, 0x22
three:
    nop                          ; rewritten into `li r1, 0x33`
    ret
