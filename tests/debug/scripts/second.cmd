# the second -x file runs after the first, before stdin
si
info state
