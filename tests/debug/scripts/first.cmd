# the first -x file: a failing command stops neither it nor the next file
si
nosuchcommand
info state
